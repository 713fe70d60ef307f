import { DEFAULT_PLAN_LIMITS } from '@mnemo/contracts';
import { api, eventually, signUp, type TestUser } from '@mnemo/testing';
import { admin } from '../workspaces/lifecycle-helpers';

/**
 * DESIGN.md "Metering and plans": on a downgrade existing keys stay, but new ones are refused over the new
 * plan's cap (403 PLAN_UPGRADE_REQUIRED, API.md) until revocations bring the workspace under it.
 */
const mint = (user: TestUser, name: string) =>
  api('POST', `/v1/workspaces/${user.workspace.workspace_id}/api-keys`, { token: user.token, body: { name, scopes: ['memory:read'] } });

async function mintMany(user: TestUser, count: number, prefix: string): Promise<{ id: string; key: string }[]> {
  const minted: { id: string; key: string }[] = [];
  // Ten at a time: quick, yet well under the free plan's burst of requests per workspace.
  for (let start = 0; start < count; start += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, count - start) }, (_, i) => mint(user, `${prefix}${start + i}`)));
    for (const response of batch) {
      expect(response.status).toBe(201);
      minted.push(response.body);
    }
  }
  return minted;
}

async function setPlan(workspaceId: number, plan: 'free' | 'pro' | 'team') {
  const response = await admin('PUT', `/admin/workspaces/${workspaceId}/plan`, { body: { plan_name: plan, reason: 'key cap test' } });
  expect(response.status).toBe(200);
  expect(response.body.plan_name).toBe(plan);
}

function expectUpgradeRequired(response: { status: number; body: any }, plan: string, limit: number) {
  expect(response.status).toBe(403);
  expect(response.body.error).toMatchObject({ code: 'PLAN_UPGRADE_REQUIRED', details: { limit, plan_name: plan } });
}

const liveKeys = async (user: TestUser) =>
  (await api('GET', `/v1/workspaces/${user.workspace.workspace_id}/api-keys`, { token: user.token })).body.api_keys.length as number;

describe('API keys across a downgrade', () => {
  it('keeps 12 pro keys working on free (cap 10), refuses the 13th, and mints again only once revocations go under the cap', async () => {
    const freeCap = DEFAULT_PLAN_LIMITS.free.maxApiKeys;
    expect(freeCap).toBe(10);
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    await setPlan(id, 'pro');
    const keys = await mintMany(ada, 12, 'pro-');
    await setPlan(id, 'free');

    for (const key of keys) expect((await api('GET', '/v1/auth/whoami', { token: key.key })).status).toBe(200);
    expectUpgradeRequired(await mint(ada, 'thirteenth'), 'free', freeCap);
    expect(await liveKeys(ada)).toBe(12);

    // Revoking two leaves 10: still at the cap.
    for (const key of keys.slice(0, 2)) expect((await api('DELETE', `/v1/workspaces/${id}/api-keys/${key.id}`, { token: ada.token })).status).toBe(204);
    expectUpgradeRequired(await mint(ada, 'at-cap'), 'free', freeCap);
    // A third leaves 9: one mint fits (10), the next does not (11).
    expect((await api('DELETE', `/v1/workspaces/${id}/api-keys/${keys[2].id}`, { token: ada.token })).status).toBe(204);
    expect(await liveKeys(ada)).toBe(9);
    expect((await mint(ada, 'tenth')).status).toBe(201);
    expectUpgradeRequired(await mint(ada, 'eleventh'), 'free', freeCap);
    expect(await liveKeys(ada)).toBe(10);
    // The revoked keys stop working; the kept ones still work.
    await eventually(async () => ((await api('GET', '/v1/auth/whoami', { token: keys[0].key })).status === 401 ? true : undefined), 15_000, 'the revoked key refused');
    expect((await api('GET', '/v1/auth/whoami', { token: keys[11].key })).status).toBe(200);
  });

  it('the pro plan admits exactly its cap of keys (n), refuses n+1', async () => {
    const proCap = DEFAULT_PLAN_LIMITS.pro.maxApiKeys;
    const ada = await signUp();
    await setPlan(ada.workspace.workspace_id, 'pro');
    await mintMany(ada, proCap, 'k-');
    expectUpgradeRequired(await mint(ada, 'one-too-many'), 'pro', proCap);
    expect(await liveKeys(ada)).toBe(proCap);
  });
});
