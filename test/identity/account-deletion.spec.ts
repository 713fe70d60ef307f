import { api, eventually, mintKey, signUp } from '@mnemo/testing';

describe('account deletion', () => {
  it('needs the password, and changes nothing without it', async () => {
    const ada = await signUp();
    const wrong = await api('DELETE', '/v1/account', { token: ada.token, body: { password: 'not the password' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.details).toEqual({ reason: 'wrong_password' });
    const missing = await api('DELETE', '/v1/account', { token: ada.token, body: {} });
    expect(missing.status).toBe(400);
    expect((await api('GET', '/v1/auth/whoami', { token: ada.token })).status).toBe(200);
  });

  it('is refused to API keys: only the person can delete their account', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['workspace:admin', 'memory:read']);
    expect((await api('DELETE', '/v1/account', { token: key.key, body: { password: ada.password } })).status).toBe(403);
  });

  it('revokes every credential, leaves nothing of the user readable, and reports the erasure complete', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read', 'workspace:admin']);
    const secondSession = (await api('POST', '/v1/auth/login', { body: { email: ada.email, password: ada.password } })).body.token;
    for (const token of [ada.token, key.key, secondSession]) expect((await api('GET', '/v1/auth/whoami', { token })).status).toBe(200);

    const deleted = await api('DELETE', '/v1/account', { token: ada.token, body: { password: ada.password } });
    expect(deleted.status).toBe(202);
    expect(deleted.body.erasure_id).toMatch(/^[0-9A-Za-z]{40,80}$/);

    for (const token of [ada.token, key.key, secondSession]) {
      await eventually(async () => ((await api('GET', '/v1/auth/whoami', { token })).status === 401 ? true : undefined), 5000, 'credentials to be refused');
    }
    expect((await api('POST', '/v1/auth/login', { body: { email: ada.email, password: ada.password } })).status).toBe(401);

    const erasure = await eventually(
      async () => {
        const status = await api('GET', `/v1/account/erasure/${deleted.body.erasure_id}`);
        return status.body.status === 'done' ? status : undefined;
      },
      15_000,
      'the erasure to complete',
    );
    expect(erasure.status).toBe(200);
    expect(erasure.body).toEqual({ status: 'done', services: { identity: 'done', workspaces: 'done', memory: 'done', scheduler: 'done' } });

    // The email is free again, for a different person.
    const again = await api('POST', '/v1/auth/signup', { body: { email: ada.email, password: 'a new life begins' } });
    expect(again.status).toBe(201);
    expect(again.body.user.id).not.toBe(ada.user.id);
    expect(again.body.workspace.workspace_id).not.toBe(ada.workspace.workspace_id);
    const oldWorkspace = await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: again.body.token });
    expect(oldWorkspace.status).toBe(404);
  });

  it('answers an unknown erasure id with 404', async () => {
    expect((await api('GET', `/v1/account/erasure/${'x'.repeat(48)}`)).status).toBe(404);
    expect((await api('GET', '/v1/account/erasure/short')).status).toBe(404);
  });
});
