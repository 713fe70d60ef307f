import { api, signUp, type TestUser } from '@mnemo/testing';
import { uniqueName } from './helpers';

const workspacePath = (user: TestUser) => `/v1/workspaces/${user.workspace.workspace_id}`;

describe('ETag and If-Match on the workspaces routes', () => {
  it('answers GET /v1/workspaces/:id with an ETag that a PATCH’s If-Match must match', async () => {
    const ada = await signUp();
    const read = await api('GET', workspacePath(ada), { token: ada.token });
    const etag = read.headers.get('etag');
    expect(etag).toMatch(/^"\d+"$/);

    const updated = await api('PATCH', workspacePath(ada), { token: ada.token, headers: { 'if-match': etag! }, body: { name: 'Renamed once' } });
    expect(updated.status).toBe(200);
    const newEtag = updated.headers.get('etag');
    expect(newEtag).toMatch(/^"\d+"$/);
    expect(newEtag).not.toBe(etag);
    expect((await api('GET', workspacePath(ada), { token: ada.token })).headers.get('etag')).toBe(newEtag);

    // The first ETag is stale now: 409, and the change is not applied.
    const stale = await api('PATCH', workspacePath(ada), { token: ada.token, headers: { 'if-match': etag! }, body: { name: 'Lost update' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'stale_etag' } });
    expect((await api('GET', workspacePath(ada), { token: ada.token })).body.name).toBe('Renamed once');

    // Without If-Match the write is unconditional, and still answers the new ETag.
    const unconditional = await api('PATCH', workspacePath(ada), { token: ada.token, body: { name: 'Renamed twice' } });
    expect(unconditional.status).toBe(200);
    expect(unconditional.headers.get('etag')).not.toBe(newEtag);
  });

  it('refuses a malformed If-Match with 400, before changing anything', async () => {
    const ada = await signUp();
    for (const header of ['3', 'W/3', '"abc"', '"1", "2"']) {
      const response = await api('PATCH', workspacePath(ada), { token: ada.token, headers: { 'if-match': header }, body: { name: 'Never' } });
      expect([header, response.status, response.body.error.code]).toEqual([header, 400, 'VALIDATION_ERROR']);
    }
    expect((await api('GET', workspacePath(ada), { token: ada.token })).body.name).toBe(ada.workspace.name);
    // A weak ETag and * are conditions we understand.
    const etag = (await api('GET', workspacePath(ada), { token: ada.token })).headers.get('etag')!;
    expect((await api('PATCH', workspacePath(ada), { token: ada.token, headers: { 'if-match': `W/${etag}` }, body: { name: 'Weakly matched' } })).status).toBe(200);
    expect((await api('PATCH', workspacePath(ada), { token: ada.token, headers: { 'if-match': '*' }, body: { name: 'Any version' } })).status).toBe(200);
  });

  it('versions PUT /v1/workspaces/:id/providers with the workspace’s ETag', async () => {
    const ada = await signUp();
    const etag = (await api('GET', workspacePath(ada), { token: ada.token })).headers.get('etag')!;
    const set = await api('PUT', `${workspacePath(ada)}/providers`, { token: ada.token, headers: { 'if-match': etag }, body: { providers: ['anthropic'] } });
    expect(set.status).toBe(200);
    expect(set.body.enabled_providers).toEqual(['anthropic']);
    const stale = await api('PUT', `${workspacePath(ada)}/providers`, { token: ada.token, headers: { 'if-match': etag }, body: { providers: ['cohere'] } });
    expect(stale.status).toBe(409);
    const current = await api('PUT', `${workspacePath(ada)}/providers`, { token: ada.token, headers: { 'if-match': set.headers.get('etag')! }, body: { providers: ['cohere'] } });
    expect(current.status).toBe(200);
    expect(current.body.enabled_providers).toEqual(['cohere']);
  });

  it('versions organization renames with the organization’s ETag, through both routes', async () => {
    const ada = await signUp();
    const first = await api('PATCH', `/v1/organizations/${ada.organization.id}`, { token: ada.token, body: { name: uniqueName('Org') } });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"\d+"$/);
    const viaWorkspace = await api('PATCH', `${workspacePath(ada)}/organization`, { token: ada.token, headers: { 'if-match': etag }, body: { name: 'Renamed via workspace' } });
    expect(viaWorkspace.status).toBe(200);
    expect(viaWorkspace.headers.get('etag')).not.toBe(etag);
    const stale = await api('PATCH', `/v1/organizations/${ada.organization.id}`, { token: ada.token, headers: { 'if-match': etag }, body: { name: 'Lost update' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.reason).toBe('stale_etag');
    const current = await api('PATCH', `/v1/organizations/${ada.organization.id}`, {
      token: ada.token,
      headers: { 'if-match': viaWorkspace.headers.get('etag')! },
      body: { name: 'Renamed at last' },
    });
    expect(current.status).toBe(200);
    expect(current.body.name).toBe('Renamed at last');
    expect((await api('PATCH', `${workspacePath(ada)}/organization`, { token: ada.token, headers: { 'if-match': 'nonsense' }, body: { name: 'Never' } })).status).toBe(400);
  });

  it('answers a refusal before a stale If-Match: a non-owner gets 403, not 409', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const invited = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email: bob.email, role: 'admin' } });
    expect((await api('POST', '/v1/auth/invitations/accept', { token: bob.token, body: { token: invited.body.token } })).status).toBe(200);
    const response = await api('PATCH', workspacePath(ada), { token: bob.token, headers: { 'if-match': '"999"' }, body: { name: 'Not mine' } });
    expect(response.status).toBe(403);
  });
});
