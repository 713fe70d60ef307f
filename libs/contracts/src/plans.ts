import type { PlanName } from './workspaces';

/** Per-plan limits of API.md ("Default limits"); each configurable by environment where the app reads it. */
export interface PlanLimits {
  requestsPerSecond: number;
  burst: number;
  maxApiKeys: number;
  sharing: boolean;
  /** Minimum interval between scheduled runs. */
  minScheduleIntervalMinutes: number;
  /** Units included in every monthly usage period (DESIGN.md "Metering and plans"). */
  includedUnits: UnitCounts;
  /** Paid plans: prices, the per-unit overage price and the cost cap of overage per period; null on free. */
  pricing: PlanPricing | null;
}

/**
 * The units a workspace consumes: one write per memory stored (a deduplicated write is free, an import counts),
 * one retrieve per search / context / space-memories call (paid by the reader), one run per provider call.
 */
export const USAGE_UNITS = ['writes', 'retrieves', 'runs'] as const;
export type UsageUnit = (typeof USAGE_UNITS)[number];
export type UnitCounts = Record<UsageUnit, number>;

export interface PlanPricing {
  monthlyPriceCents: number;
  annualPriceCents: number;
  /** Price of 1,000 units past the included ones, in cents. */
  overageCentsPerThousand: UnitCounts;
  /** The most overage a period may cost; past it the workspace is `limit_reached`. */
  costCapCents: number;
}

/**
 * How a paid plan's cost cap is shared between the unit kinds. Each kind is gated where it is counted (writes
 * and retrieves in the memory service's write transaction, runs in the scheduler), so each gets a fixed share of
 * the cap: together they can never cost more than the cap, and a flood of one kind cannot starve the others.
 */
export const COST_CAP_SHARE: Readonly<UnitCounts> = { writes: 0.5, retrieves: 0.3, runs: 0.2 };

/**
 * The most units of one kind a period admits: the included units, plus on a paid plan as many overage units
 * as that kind's share of the cost cap pays for.
 */
export function periodUnitCap(limits: Pick<PlanLimits, 'includedUnits' | 'pricing'>, unit: UsageUnit): number {
  const included = limits.includedUnits[unit];
  if (!limits.pricing) return included;
  const perThousand = limits.pricing.overageCentsPerThousand[unit];
  if (perThousand <= 0) return included;
  const budgetCents = Math.floor(limits.pricing.costCapCents * COST_CAP_SHARE[unit]);
  return included + Math.floor((budgetCents * 1000) / perThousand);
}

/** What a period's usage past the included units costs, in cents (at most the cost cap, by periodUnitCap). */
export function overageCents(limits: Pick<PlanLimits, 'includedUnits' | 'pricing'>, usage: UnitCounts): number {
  if (!limits.pricing) return 0;
  let cents = 0;
  for (const unit of USAGE_UNITS) {
    const over = Math.max(0, usage[unit] - limits.includedUnits[unit]);
    cents += Math.ceil((over * limits.pricing.overageCentsPerThousand[unit]) / 1000);
  }
  return Math.min(cents, limits.pricing.costCapCents);
}

export const DEFAULT_PLAN_LIMITS: Readonly<Record<PlanName, PlanLimits>> = {
  free: {
    requestsPerSecond: 20,
    burst: 50,
    maxApiKeys: 10,
    sharing: false,
    minScheduleIntervalMinutes: 24 * 60,
    includedUnits: { writes: 10_000, retrieves: 50_000, runs: 300 },
    pricing: null,
  },
  pro: {
    requestsPerSecond: 100,
    burst: 200,
    maxApiKeys: 50,
    sharing: true,
    minScheduleIntervalMinutes: 60,
    includedUnits: { writes: 250_000, retrieves: 1_000_000, runs: 10_000 },
    pricing: { monthlyPriceCents: 4_900, annualPriceCents: 49_000, overageCentsPerThousand: { writes: 40, retrieves: 10, runs: 200 }, costCapCents: 10_000 },
  },
  team: {
    requestsPerSecond: 500,
    burst: 1000,
    maxApiKeys: 200,
    sharing: true,
    minScheduleIntervalMinutes: 60,
    includedUnits: { writes: 2_000_000, retrieves: 10_000_000, runs: 100_000 },
    pricing: { monthlyPriceCents: 29_900, annualPriceCents: 299_000, overageCentsPerThousand: { writes: 30, retrieves: 8, runs: 150 }, costCapCents: 50_000 },
  },
};

/**
 * Plan limits with `PLAN_<NAME>_MAX_API_KEYS` / `_RPS` / `_BURST` / `_WRITES` / `_RETRIEVES` / `_RUNS` (included
 * units per period) and `_COST_CAP_CENTS` overrides from the environment.
 */
export function planLimits(plan: PlanName, env: NodeJS.ProcessEnv = process.env): PlanLimits {
  const base = DEFAULT_PLAN_LIMITS[plan];
  const read = (suffix: string, fallback: number) => {
    const raw = env[`PLAN_${plan.toUpperCase()}_${suffix}`];
    const value = raw ? Number(raw) : NaN;
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return {
    ...base,
    maxApiKeys: read('MAX_API_KEYS', base.maxApiKeys),
    requestsPerSecond: read('RPS', base.requestsPerSecond),
    burst: read('BURST', base.burst),
    includedUnits: {
      writes: read('WRITES', base.includedUnits.writes),
      retrieves: read('RETRIEVES', base.includedUnits.retrieves),
      runs: read('RUNS', base.includedUnits.runs),
    },
    pricing: base.pricing ? { ...base.pricing, costCapCents: read('COST_CAP_CENTS', base.pricing.costCapCents) } : null,
  };
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
