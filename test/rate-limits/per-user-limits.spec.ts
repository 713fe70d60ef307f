import { randomBytes } from 'node:crypto';
import { signUp, testStack } from '@mnemo/testing';
import { loadGatewaySettings } from '../../apps/gateway/src/gateway.settings';
import { call, expectRateLimited, ownClientIp, startGateway, type GatewayProcess } from './helpers';

/**
 * The seeds' per-user limits — joining by code 5 per 15 minutes, creating a workspace (without
 * organization_id) 3 per hour — counted per request in Redis, so two gateway processes share one count.
 * Requests alternate between the stack's gateway and a second gateway process.
 */
const { limits } = loadGatewaySettings({});

describe('per-user limits across two gateway processes', () => {
  let second: GatewayProcess;
  let gateways: string[];

  beforeAll(async () => {
    second = await startGateway();
    gateways = [testStack().gatewayUrl, second.url];
  });

  afterAll(async () => {
    await second?.stop();
  });

  const uniqueName = () => `ws ${randomBytes(5).toString('hex')}`;

  it('POST /v1/join: 5 per 15 minutes per user, failed attempts counted, shared by both gateways', async () => {
    expect(limits.joinPerUser).toEqual({ name: 'join-user', limit: 5, windowSeconds: 900 });
    const owner = await signUp();
    const ada = await signUp();
    const info = await call(gateways[0], 'GET', `/v1/workspaces/${owner.workspace.workspace_id}/join-info`, { token: owner.token });
    expect(info.status).toBe(200);
    const code: string = info.body.invite_code;

    for (let i = 0; i < limits.joinPerUser.limit; i++) {
      // Wrong codes: every attempt counts, whatever its outcome.
      const response = await call(gateways[i % 2], 'POST', '/v1/join', { token: ada.token, ip: ownClientIp(), body: { code: `wrong-${randomBytes(8).toString('hex')}` } });
      expect(response.status).not.toBe(429);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.headers.get('ratelimit-remaining')).toBe(String(limits.joinPerUser.limit - 1 - i));
    }
    // The sixth, on either gateway, is refused — even with the right code.
    for (const base of gateways) {
      expectRateLimited(await call(base, 'POST', '/v1/join', { token: ada.token, ip: ownClientIp(), body: { code } }), limits.joinPerUser);
    }
    // Another user is not affected.
    const bob = await signUp();
    const joined = await call(gateways[1], 'POST', '/v1/join', { token: bob.token, ip: ownClientIp(), body: { code } });
    expect(joined.status).toBeLessThan(300);
  });

  it('POST /v1/join: 30 per 15 minutes per IP, unauthenticated attempts counted too', async () => {
    expect(limits.joinPerIp).toEqual({ name: 'join-ip', limit: 30, windowSeconds: 900 });
    const ip = ownClientIp();
    for (let i = 0; i < limits.joinPerIp.limit; i++) {
      expect((await call(gateways[i % 2], 'POST', '/v1/join', { ip, body: { code: 'whatever-code' } })).status).toBe(401);
    }
    const ada = await signUp();
    expectRateLimited(await call(gateways[0], 'POST', '/v1/join', { ip, token: ada.token, body: { code: 'whatever-code' } }), limits.joinPerIp);
  });

  it('POST /v1/workspaces: 3 creates without organization_id per hour per user, shared by both gateways', async () => {
    expect(limits.createWorkspacePerUser).toEqual({ name: 'create-workspace-user', limit: 3, windowSeconds: 3600 });
    const ada = await signUp();
    // An invalid request counts like any other.
    const invalid = await call(gateways[0], 'POST', '/v1/workspaces', { token: ada.token, body: { name: 'x' } });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('ratelimit-remaining')).toBe('2');
    for (const [i, base] of [gateways[1], gateways[0]].entries()) {
      const created = await call(base, 'POST', '/v1/workspaces', { token: ada.token, body: { name: uniqueName() } });
      expect(created.status).toBe(201);
      expect(created.headers.get('ratelimit-remaining')).toBe(String(1 - i));
    }
    for (const base of gateways) {
      expectRateLimited(await call(base, 'POST', '/v1/workspaces', { token: ada.token, body: { name: uniqueName() } }), limits.createWorkspacePerUser);
    }
    // Creating inside an organization the user runs is not this limit's business.
    const inOrg = await call(gateways[1], 'POST', '/v1/workspaces', { token: ada.token, body: { name: uniqueName(), organization_id: ada.organization.id } });
    expect(inOrg.status).toBe(201);
    // Nor is another user.
    const bob = await signUp();
    expect((await call(gateways[0], 'POST', '/v1/workspaces', { token: bob.token, body: { name: uniqueName() } })).status).toBe(201);
  });

  it('a missing or bad credential is not counted per user (access control refuses it)', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await call(gateways[i % 2], 'POST', '/v1/workspaces', { token: 'mnemo_sess_not-a-real-token', body: { name: uniqueName() } });
      expect(response.status).toBe(401);
      expect(response.headers.get('ratelimit-limit')).toBeNull();
    }
  });
});
