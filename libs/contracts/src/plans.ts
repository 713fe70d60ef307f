import type { PlanName } from './workspaces';

/** Per-plan limits of API.md ("Default limits"); each configurable by environment where the app reads it. */
export interface PlanLimits {
  requestsPerSecond: number;
  burst: number;
  maxApiKeys: number;
  sharing: boolean;
  /** Minimum interval between scheduled runs. */
  minScheduleIntervalMinutes: number;
}

export const DEFAULT_PLAN_LIMITS: Readonly<Record<PlanName, PlanLimits>> = {
  free: { requestsPerSecond: 20, burst: 50, maxApiKeys: 10, sharing: false, minScheduleIntervalMinutes: 24 * 60 },
  pro: { requestsPerSecond: 100, burst: 200, maxApiKeys: 50, sharing: true, minScheduleIntervalMinutes: 60 },
  team: { requestsPerSecond: 500, burst: 1000, maxApiKeys: 200, sharing: true, minScheduleIntervalMinutes: 60 },
};

/** Plan limits with `PLAN_<NAME>_MAX_API_KEYS` / `_RPS` / `_BURST` overrides from the environment. */
export function planLimits(plan: PlanName, env: NodeJS.ProcessEnv = process.env): PlanLimits {
  const base = DEFAULT_PLAN_LIMITS[plan];
  const read = (suffix: string, fallback: number) => {
    const raw = env[`PLAN_${plan.toUpperCase()}_${suffix}`];
    const value = raw ? Number(raw) : NaN;
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return { ...base, maxApiKeys: read('MAX_API_KEYS', base.maxApiKeys), requestsPerSecond: read('RPS', base.requestsPerSecond), burst: read('BURST', base.burst) };
}

/**
 * How the gateway counts a plan's requests/second per workspace with a fixed-window counter: a window of
 * `burst / requestsPerSecond` seconds admitting `burst` requests. A burst of up to `burst` requests passes at
 * once, and over time the workspace averages at most `requestsPerSecond` (free: 50 per 2.5 s = 20/s).
 */
export interface PlanRequestWindow {
  max: number;
  windowMs: number;
}

export function planRequestWindow(limits: Pick<PlanLimits, 'requestsPerSecond' | 'burst'>): PlanRequestWindow {
  return { max: limits.burst, windowMs: Math.max(1, Math.ceil((limits.burst * 1000) / limits.requestsPerSecond)) };
}
