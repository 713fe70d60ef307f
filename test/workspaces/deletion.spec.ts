import { api, eventually, mintKey, signUp } from '@mnemo/testing';
import { addByInvitation } from './helpers';
import { publishedWorkspaceEvents } from './lifecycle-helpers';

describe('DELETE /v1/workspaces/:id', () => {
  it('refuses a wrong or missing slug with 400 and deletes nothing', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    for (const body of [{ confirm_slug: `${ada.workspace.slug}x` }, { confirm_slug: '' }, {}, { confirm_slug: ada.workspace.slug, extra: 1 }]) {
      const response = await api('DELETE', `/v1/workspaces/${id}`, { token: ada.token, body });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await api('GET', `/v1/workspaces/${id}`, { token: ada.token })).status).toBe(200);
  });

  it('is for the owner only: admins and members get 403, strangers 404, keys 403', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const body = { confirm_slug: ada.workspace.slug };
    const adminUser = await signUp();
    const member = await signUp();
    await addByInvitation(ada, adminUser, 'admin');
    await addByInvitation(ada, member, 'member');
    expect((await api('DELETE', `/v1/workspaces/${id}`, { token: adminUser.token, body })).status).toBe(403);
    expect((await api('DELETE', `/v1/workspaces/${id}`, { token: member.token, body })).status).toBe(403);
    const stranger = await signUp();
    const strangers = await api('DELETE', `/v1/workspaces/${id}`, { token: stranger.token, body });
    expect(strangers.status).toBe(404);
    const key = (await mintKey(ada.token, id, ['memory:read', 'workspace:admin'])).key;
    expect((await api('DELETE', `/v1/workspaces/${id}`, { token: key, body })).status).toBe(403);
    expect((await api('GET', `/v1/workspaces/${id}`, { token: ada.token })).status).toBe(200);
  });

  it("deletes for the owner: 202 with an erasure id, the workspace answers 404, its members lose it and its API keys stop working", async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const member = await signUp();
    await addByInvitation(ada, member, 'member');
    const key = (await mintKey(ada.token, id, ['memory:read'])).key;
    expect((await api('GET', '/v1/status', { token: key })).status).toBe(200);

    const deleted = await api('DELETE', `/v1/workspaces/${id}`, { token: ada.token, body: { confirm_slug: ada.workspace.slug } });
    expect(deleted.status).toBe(202);
    expect(deleted.body).toEqual({ erasure_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    expect((await api('GET', `/v1/workspaces/${id}`, { token: ada.token })).status).toBe(404);
    expect((await api('GET', `/v1/workspaces/${id}`, { token: member.token })).status).toBe(404);
    // Within the credential cache's 5 s (identity revokes the keys when it consumes workspace.deleted).
    await eventually(async () => ((await api('GET', '/v1/status', { token: key })).status === 401 ? true : undefined), 15_000, 'the key to stop working');
    const published = await eventually(async () => {
      const events = await publishedWorkspaceEvents('workspace.deleted', id);
      return events.length > 0 ? events : undefined;
    }, 15_000, 'workspace.deleted on NATS');
    expect(published.map((event) => event.data)).toEqual([{ workspace_id: id, organization_id: ada.organization.id, erasure_id: deleted.body.erasure_id }]);
    // A second deletion finds nothing.
    expect((await api('DELETE', `/v1/workspaces/${id}`, { token: ada.token, body: { confirm_slug: ada.workspace.slug } })).status).toBe(404);
    // The slug is free again: someone else's new workspace takes it.
    const bob = await signUp();
    const reused = await api('POST', '/v1/workspaces', { token: bob.token, body: { name: 'Reuser', slug: ada.workspace.slug, organization_id: bob.organization.id } });
    expect(reused.status).toBe(201);
    expect(reused.body.workspace.slug).toBe(ada.workspace.slug);
  });
});
