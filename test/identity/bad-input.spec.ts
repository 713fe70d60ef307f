import { api, mintKey, signUp, type TestUser } from '@mnemo/testing';

/**
 * Bad input on every identity route answers VALIDATION_ERROR (or 404 for a malformed id) in the envelope,
 * and changes nothing: the account, its sessions and its keys are as before.
 */
describe('bad input on identity routes', () => {
  let ada: TestUser;
  let keyId: string;

  beforeAll(async () => {
    ada = await signUp();
    keyId = (await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read'], { name: 'kept' })).id;
  });

  const keys = () => `/v1/workspaces/${ada.workspace.workspace_id}/api-keys`;

  const cases: [string, () => [string, string, unknown, boolean]][] = [
    ['login without a password', () => ['POST', '/v1/auth/login', { email: ada.email }, false]],
    ['login with a numeric email', () => ['POST', '/v1/auth/login', { email: 42, password: ada.password }, false]],
    ['verify-email with a short token', () => ['POST', '/v1/auth/verify-email', { token: 'abc' }, false]],
    ['verify-email with an extra field', () => ['POST', '/v1/auth/verify-email', { token: 'a'.repeat(32), user: 'x' }, false]],
    ['password-reset with a bad email', () => ['POST', '/v1/auth/password-reset', { email: 'nobody' }, false]],
    ['password-reset/confirm with a short password', () => ['POST', '/v1/auth/password-reset/confirm', { token: 'a'.repeat(32), password: 'short' }, false]],
    ['PATCH key with an empty name', () => ['PATCH', `${keys()}/${keyId}`, { name: '' }, true]],
    ['PATCH key with enabled as a string', () => ['PATCH', `${keys()}/${keyId}`, { enabled: 'no' }, true]],
    ['PATCH key with an unknown field', () => ['PATCH', `${keys()}/${keyId}`, { scopes: ['workspace:admin'] }, true]],
    ['DELETE account without a password', () => ['DELETE', '/v1/account', {}, true]],
  ];

  it.each(cases)('%s → 400 VALIDATION_ERROR, nothing changed', async (_, build) => {
    const [method, path, body, authenticated] = build();
    const response = await api(method, path, { body, ...(authenticated ? { token: ada.token } : {}) });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    const listed = await api('GET', keys(), { token: ada.token });
    expect(listed.body.api_keys).toEqual([expect.objectContaining({ id: keyId, name: 'kept', enabled: true, scopes: ['memory:read'] })]);
    // The session still works (login is not used here: it has its own per-email limit).
    expect((await api('GET', '/v1/auth/whoami', { token: ada.token })).body.user).toEqual(ada.user);
  });

  it.each([['PATCH'], ['DELETE'], ['POST']])('%s on a malformed or unknown key id → 404', async (method) => {
    for (const id of ['not-a-uuid', '01939a3c-5d2e-7000-8000-000000000001']) {
      const path = method === 'POST' ? `${keys()}/${id}/rotate` : `${keys()}/${id}`;
      const response = await api(method, path, { token: ada.token, ...(method === 'PATCH' ? { body: { name: 'x' } } : {}) });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
    }
  });
});
