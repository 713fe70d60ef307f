import { DEFAULT_PLAN_LIMITS, planRequestWindow } from '@mnemo/contracts';
import { api, mintKey, signUp, type ApiResponse } from '@mnemo/testing';
import { expectRateLimited } from './helpers';

/**
 * Per-plan requests/second per workspace (free: 20/s with bursts of 50, counted as 50 per 2.5 s window that
 * starts with the workspace's first request), on every authenticated workspace route, with RateLimit-*
 * headers and 429 RATE_LIMITED.
 */
const free = planRequestWindow(DEFAULT_PLAN_LIMITS.free);
const rule = { name: 'workspace-rps', limit: free.max, windowSeconds: free.windowMs / 1000 };

/**
 * Sends `size` requests at once, again if none was refused (a loaded machine may spread one burst over more
 * than the 2.5 s window), at most five times; fails unless a burst was refused. Returns that burst's answers.
 */
async function burstUntilRefused(send: () => Promise<ApiResponse>, size: number): Promise<ApiResponse[]> {
  for (let round = 0; round < 5; round++) {
    const answers = await Promise.all(Array.from({ length: size }, send));
    if (answers.some((a) => a.status === 429)) return answers;
  }
  throw new Error(`no burst of ${size} requests was refused`);
}

describe('per-plan requests/second per workspace', () => {
  it('maps each plan to a fixed window that averages its rate and admits its burst', () => {
    expect(free).toEqual({ max: 50, windowMs: 2500 });
    expect(planRequestWindow(DEFAULT_PLAN_LIMITS.pro)).toEqual({ max: 200, windowMs: 2000 });
    expect(planRequestWindow(DEFAULT_PLAN_LIMITS.team)).toEqual({ max: 1000, windowMs: 2000 });
  });

  it('a free workspace key: RateLimit-Remaining counts down, then a burst past 50 is refused with 429', async () => {
    const ada = await signUp();
    const workspaceId = ada.workspace.workspace_id;
    const key = await mintKey(ada.token, workspaceId, ['memory:read']);
    const get = () => api('GET', `/v1/workspaces/${workspaceId}`, { token: key.key, retryRateLimited: false });

    // Each request of the window sees one less remaining (minting the key counted too).
    const first = await get();
    const start = Number(first.headers.get('ratelimit-remaining'));
    expect(start).toBeGreaterThanOrEqual(47);
    for (const [i, response] of [first, await get(), await get()].entries()) {
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('50');
      expect(response.headers.get('ratelimit-remaining')).toBe(String(start - i));
      const reset = Number(response.headers.get('ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(3);
    }

    const answers = await burstUntilRefused(get, start - 2 + 30);
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(ok.length + refused.length).toBe(answers.length);
    // Answers that passed still say what is left; what went past the burst is refused, in the envelope.
    for (const response of ok) expect(Number(response.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(49);
    expect(ok.some((a) => a.headers.get('ratelimit-remaining') === '0')).toBe(true);
    for (const response of refused) expectRateLimited(response, rule);
    expect(refused[0].body.error.details).toEqual(expect.objectContaining({ plan: 'free', requests_per_second: 20, burst: 50 }));
  });

  it('counts per workspace: another workspace is not affected', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const adaKey = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read']);
    const get = () => api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: adaKey.key, retryRateLimited: false });
    expect((await get()).status).toBe(200);
    await burstUntilRefused(get, 60);
    const bobs = await api('GET', `/v1/workspaces/${bob.workspace.workspace_id}`, { token: bob.token, retryRateLimited: false });
    expect(bobs.status).toBe(200);
    expect(bobs.headers.get('ratelimit-remaining')).toBe('49');
  });

  it('sessions count against the workspace they act in, like its keys', async () => {
    const ada = await signUp();
    const get = () => api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: ada.token, retryRateLimited: false });
    expect((await get()).status).toBe(200);
    const refused = (await burstUntilRefused(get, 60)).filter((a) => a.status === 429);
    for (const response of refused) expectRateLimited(response, rule);
  });

  it('requests refused by access control are not counted against the workspace', async () => {
    const ada = await signUp();
    const stranger = await signUp();
    const workspaceId = ada.workspace.workspace_id;
    const intruders = await Promise.all(Array.from({ length: 60 }, () => api('GET', `/v1/workspaces/${workspaceId}`, { token: stranger.token, retryRateLimited: false })));
    expect(intruders.every((a) => a.status === 404)).toBe(true);
    const own = await api('GET', `/v1/workspaces/${workspaceId}`, { token: ada.token, retryRateLimited: false });
    expect(own.status).toBe(200);
    expect(own.headers.get('ratelimit-remaining')).toBe('49');
  });

  it('routes without a workspace (the caller\'s own account) are not counted per workspace', async () => {
    const ada = await signUp();
    const response = await api('GET', '/v1/auth/whoami', { token: ada.token });
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-limit')).toBeNull();
  });
});
