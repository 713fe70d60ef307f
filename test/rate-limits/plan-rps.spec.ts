import { DEFAULT_PLAN_LIMITS, planRequestWindow, type PlanName } from '@mnemo/contracts';
import { api, eventually, mintKey, signUp } from '@mnemo/testing';
import { admin } from '../workspaces/lifecycle-helpers';

/**
 * Per-plan requests/second beyond free: an operator's plan change reaches the gateway's per-workspace window
 * (its plan cache lives 5 s), for keys and sessions alike, up and down.
 */
const windowOf = (plan: PlanName) => planRequestWindow(DEFAULT_PLAN_LIMITS[plan]);

describe('per-plan requests/second after a plan change', () => {
  it('RateLimit-Limit follows free → pro → team → free for a key and a session of the workspace', async () => {
    expect([windowOf('free').max, windowOf('pro').max, windowOf('team').max]).toEqual([50, 200, 1000]);
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const key = await mintKey(ada.token, id, ['memory:read']);
    const limitSeen = async (token: string) => {
      const response = await api('GET', `/v1/workspaces/${id}`, { token, retryRateLimited: false });
      expect(response.status).toBe(200);
      return response.headers.get('ratelimit-limit');
    };
    const reaches = (plan: PlanName) =>
      Promise.all(
        [key.key, ada.token].map((token) =>
          eventually(async () => ((await limitSeen(token)) === String(windowOf(plan).max) ? true : undefined), 20_000, `the ${plan} window for a ${token === ada.token ? 'session' : 'key'}`),
        ),
      );

    expect(await limitSeen(key.key)).toBe(String(windowOf('free').max));
    expect(await limitSeen(ada.token)).toBe(String(windowOf('free').max));
    for (const plan of ['pro', 'team', 'free'] as const) {
      const changed = await admin('PUT', `/admin/workspaces/${id}/plan`, { body: { plan_name: plan, reason: 'rate test' } });
      expect(changed.body.plan_name).toBe(plan);
      await reaches(plan);
    }
  });

  it('a pro workspace admits a burst of 120, past free\'s 50 (workspace-rps.spec.ts shows free refusing it)', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    await admin('PUT', `/admin/workspaces/${id}/plan`, { body: { plan_name: 'pro', reason: 'rate test' } });
    await eventually(
      async () => ((await api('GET', `/v1/workspaces/${id}`, { token: ada.token, retryRateLimited: false })).headers.get('ratelimit-limit') === '200' ? true : undefined),
      20_000,
      'the pro window',
    );
    // 120 at once: over free's burst of 50, within pro's 200 (less the few polling requests above).
    const answers = await Promise.all(Array.from({ length: 120 }, () => api('GET', `/v1/workspaces/${id}`, { token: ada.token, retryRateLimited: false })));
    expect(answers.filter((a) => a.status === 429)).toHaveLength(0);
  });
});
