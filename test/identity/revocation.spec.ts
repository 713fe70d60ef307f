import { api, eventually, linkToken, mailsTo, mintKey, signUp, startGateway, testStack, type GatewayProcess } from '@mnemo/testing';

/**
 * Two gateway processes, each with its own credential cache: a revocation must reach both within 5 s.
 */
describe('revocation reaches every gateway replica within 5 s', () => {
  let second: GatewayProcess;
  let secondUrl: string;

  beforeAll(async () => {
    second = await startGateway();
    secondUrl = second.url;
  });

  afterAll(async () => {
    await second?.stop();
  });

  async function statusOn(base: string, token: string): Promise<number> {
    const response = await fetch(`${base}/v1/auth/whoami`, { headers: { authorization: `Bearer ${token}` } });
    return response.status;
  }

  /** Warms both caches, runs `revoke`, then measures until both gateways refuse the credential. */
  async function expectRefusedEverywhereWithin5s(token: string, revoke: () => Promise<void>): Promise<void> {
    const gateways = [testStack().gatewayUrl, secondUrl];
    for (const base of gateways) expect(await statusOn(base, token)).toBe(200);
    const started = Date.now();
    await revoke();
    await Promise.all(gateways.map((base) => eventually(async () => ((await statusOn(base, token)) === 401 ? true : undefined), 6000, `refusal on ${base}`)));
    expect(Date.now() - started).toBeLessThan(5000);
  }

  it('a revoked key', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read']);
    await expectRefusedEverywhereWithin5s(key.key, async () => {
      expect((await api('DELETE', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys/${key.id}`, { token: ada.token })).status).toBe(204);
    });
  });

  it('a disabled key', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read']);
    await expectRefusedEverywhereWithin5s(key.key, async () => {
      expect((await api('PATCH', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys/${key.id}`, { token: ada.token, body: { enabled: false } })).status).toBe(200);
    });
  });

  it('a logged-out session', async () => {
    const ada = await signUp();
    await expectRefusedEverywhereWithin5s(ada.token, async () => {
      expect((await api('POST', '/v1/auth/logout', { token: ada.token })).status).toBe(204);
    });
  });

  it('every session after a password reset', async () => {
    const ada = await signUp();
    await api('POST', '/v1/auth/password-reset', { body: { email: ada.email } });
    const mail = await eventually(async () => mailsTo(process.env.MNEMO_TEST_MAIL_DIR!, ada.email).find((m) => /reset/i.test(m.subject)), 10_000, 'the reset mail');
    await expectRefusedEverywhereWithin5s(ada.token, async () => {
      expect((await api('POST', '/v1/auth/password-reset/confirm', { body: { token: linkToken(mail), password: 'the new password!' } })).status).toBe(200);
    });
  });
});
