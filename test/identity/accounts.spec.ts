import { api, eventually, linkToken, mailsTo, mintKey, signUp, testStack } from '@mnemo/testing';

const mailDir = () => process.env.MNEMO_TEST_MAIL_DIR!;

describe('accounts and sessions', () => {
  it('signs up with a personal organization and workspace, usable at once (no projection lag)', async () => {
    const ada = await signUp({ name: 'Ada Lovelace' });
    expect(ada.token).toMatch(/^mnemo_sess_[0-9A-Za-z]+$/);
    expect(ada.user).toEqual({ id: expect.any(String), email: ada.email, email_verified: false, name: 'Ada Lovelace', created_at: expect.any(String) });
    expect(ada.workspace).toMatchObject({ workspace_id: expect.any(Number), status: 'active', plan_name: 'free', organization_id: ada.organization.id });
    const signup = await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: ada.token });
    expect(signup.status).toBe(200);
    expect(signup.body).toEqual(ada.workspace);
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read']);
    expect(key.key).toMatch(/^mnemo_[0-9A-Za-z]+$/);
  });

  it('answers is_first_workspace: true with the signup', async () => {
    const response = await api('POST', '/v1/auth/signup', { body: { email: `first-${Date.now()}@example.com`, password: 'correct horse battery' } });
    expect(response.status).toBe(201);
    expect(response.body.is_first_workspace).toBe(true);
  });

  it('refuses an email that is already registered, whatever its case and spacing', async () => {
    const ada = await signUp();
    const again = await api('POST', '/v1/auth/signup', { body: { email: `  ${ada.email.toUpperCase()} `.trim(), password: 'another password 123' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    const login = await api('POST', '/v1/auth/login', { body: { email: ada.email, password: ada.password } });
    expect(login.status).toBe(200);
  });

  it.each([
    ['a password of 11 characters', { password: 'x'.repeat(11) }],
    ['a name of 101 characters', { name: 'n'.repeat(101) }],
    ['an empty name', { name: '' }],
    ['an invalid email', { email: 'not-an-email' }],
    ['an unknown field', { plan: 'team' }],
  ])('refuses %s with VALIDATION_ERROR and creates nothing', async (_, override) => {
    const email = `edge-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    const response = await api('POST', '/v1/auth/signup', { body: { email, password: 'twelve chars', ...override } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    const login = await api('POST', '/v1/auth/login', { body: { email, password: 'twelve chars' } });
    expect(login.status).toBe(401);
  });

  it('accepts the limits themselves: a 12-character password and a 100-character name', async () => {
    const user = await signUp({ password: 'p'.repeat(12), name: 'n'.repeat(100) });
    expect(user.user.name).toHaveLength(100);
  });

  it('never reveals whether an email has an account when login fails', async () => {
    const ada = await signUp();
    const wrongPassword = await api('POST', '/v1/auth/login', { body: { email: ada.email, password: 'definitely wrong' } });
    const unknownEmail = await api('POST', '/v1/auth/login', { body: { email: `nobody-${Date.now()}@example.com`, password: 'definitely wrong' } });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const { request_id: _a, ...first } = wrongPassword.body.error;
    const { request_id: _b, ...second } = unknownEmail.body.error;
    expect(first).toEqual(second);
  });

  it('logs in and out; a logged-out session is refused', async () => {
    const ada = await signUp();
    const login = await api('POST', '/v1/auth/login', { body: { email: ada.email.toUpperCase(), password: ada.password } });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ token: expect.stringMatching(/^mnemo_sess_/), expires_at: expect.any(String), user: ada.user });
    expect((await api('GET', '/v1/auth/whoami', { token: login.body.token })).status).toBe(200);
    expect((await api('POST', '/v1/auth/logout', { token: login.body.token })).status).toBe(204);
    await eventually(async () => ((await api('GET', '/v1/auth/whoami', { token: login.body.token })).status === 401 ? true : undefined), 5000, 'logout to take effect');
    expect((await api('GET', '/v1/auth/whoami', { token: ada.token })).status).toBe(200);
  });

  it('verifies the email with the single-use token sent by mail', async () => {
    const ada = await signUp();
    const mail = await eventually(async () => mailsTo(mailDir(), ada.email)[0], 10_000, 'the verification mail');
    expect(mail.subject).toMatch(/verify/i);
    const token = linkToken(mail);
    const verified = await api('POST', '/v1/auth/verify-email', { body: { token } });
    expect(verified.status).toBe(200);
    expect(verified.body.user.email_verified).toBe(true);
    const again = await api('POST', '/v1/auth/verify-email', { body: { token } });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('VALIDATION_ERROR');
    const whoami = await api('GET', '/v1/auth/whoami', { token: ada.token });
    expect(whoami.body.user.email_verified).toBe(true);
  });

  it('resets a password by mail, revoking every session', async () => {
    const ada = await signUp();
    const other = await api('POST', '/v1/auth/login', { body: { email: ada.email, password: ada.password } });
    const unknown = await api('POST', '/v1/auth/password-reset', { body: { email: `ghost-${Date.now()}@example.com` } });
    const known = await api('POST', '/v1/auth/password-reset', { body: { email: ada.email } });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    const mail = await eventually(async () => mailsTo(mailDir(), ada.email).find((m) => /reset/i.test(m.subject)), 10_000, 'the reset mail');
    const token = linkToken(mail);
    expect((await api('POST', '/v1/auth/password-reset/confirm', { body: { token, password: 'short' } })).status).toBe(400);
    const confirmed = await api('POST', '/v1/auth/password-reset/confirm', { body: { token, password: 'a brand new password' } });
    expect(confirmed.status).toBe(200);
    for (const session of [ada.token, other.body.token]) {
      await eventually(async () => ((await api('GET', '/v1/auth/whoami', { token: session })).status === 401 ? true : undefined), 5000, 'sessions to be revoked');
    }
    expect((await api('POST', '/v1/auth/login', { body: { email: ada.email, password: ada.password } })).status).toBe(401);
    expect((await api('POST', '/v1/auth/login', { body: { email: ada.email, password: 'a brand new password' } })).status).toBe(200);
    expect((await api('POST', '/v1/auth/password-reset/confirm', { body: { token, password: 'yet another password' } })).status).toBe(400);
  });

  it('tells a session who it is, with the role in the workspace it names', async () => {
    const ada = await signUp();
    const plain = await api('GET', '/v1/auth/whoami', { token: ada.token });
    expect(plain.body).toEqual({ principal: { type: 'user', id: ada.user.id }, user: ada.user, workspace_id: null, role: null, scopes: [], agent_id: null });
    const inWorkspace = await api('GET', '/v1/auth/whoami', { token: ada.token, workspace: ada.workspace.workspace_id });
    expect(inWorkspace.body).toMatchObject({ workspace_id: ada.workspace.workspace_id, role: 'owner', scopes: ['memory:read', 'memory:write', 'spaces:admin', 'webhooks:admin', 'workspace:admin'] });
    const stranger = await signUp();
    expect((await api('GET', '/v1/auth/whoami', { token: stranger.token, workspace: ada.workspace.workspace_id })).status).toBe(404);
  });

  it('tells a key who it is: its workspace, scopes and agent', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read', 'memory:write'], { agent_id: 'agent-1' });
    const whoami = await api('GET', '/v1/auth/whoami', { token: key.key, workspace: 999999 });
    expect(whoami.body).toEqual({ principal: { type: 'key', id: key.id }, workspace_id: ada.workspace.workspace_id, role: 'member', scopes: ['memory:read', 'memory:write'], agent_id: 'agent-1' });
  });

  it('lists the workspaces of a session with the role, and of a key its own', async () => {
    const ada = await signUp();
    const listed = await api('GET', '/v1/auth/workspaces', { token: ada.token });
    expect(listed.body).toEqual({
      workspaces: [{ workspace_id: ada.workspace.workspace_id, name: ada.workspace.name, slug: ada.workspace.slug, role: 'owner', organization_id: ada.organization.id, status: 'active' }],
    });
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read']);
    const byKey = await api('GET', '/v1/auth/workspaces', { token: key.key });
    expect(byKey.body.workspaces).toEqual([expect.objectContaining({ workspace_id: ada.workspace.workspace_id, role: 'viewer' })]);
  });

  it('asks for credentials on protected routes', async () => {
    const missing = await api('GET', '/v1/auth/whoami');
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('UNAUTHORIZED');
    expect((await api('GET', '/v1/auth/whoami', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect(testStack().gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });
});
