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
