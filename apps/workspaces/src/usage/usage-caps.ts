import type { EntityManager } from '@mikro-orm/postgresql';
import { periodUnitCap, planLimits, USAGE_UNITS, type PlanLimits, type PlanName, type UnitCounts, type UsageUnit } from '@mnemo/contracts';

/** Each plan's limits, read once from the environment at start (`PLAN_<NAME>_WRITES` etc.). */
export type PlanCatalog = (plan: PlanName) => PlanLimits;

/**
 * The limits of every plan as configured when the service started; read once, here, so a changed variable
 * needs a restart like every other setting.
 */
export const STARTUP_PLAN_CATALOG: PlanCatalog = planCatalogFrom(process.env);

export function planCatalogFrom(env: NodeJS.ProcessEnv): PlanCatalog {
  const cache = new Map<PlanName, PlanLimits>();
  return (plan) => {
    let limits = cache.get(plan);
    if (!limits) cache.set(plan, (limits = planLimits(plan, env)));
    return limits;
  };
}

export function periodCaps(limits: PlanLimits): UnitCounts {
  return { writes: periodUnitCap(limits, 'writes'), retrieves: periodUnitCap(limits, 'retrieves'), runs: periodUnitCap(limits, 'runs') };
}

/** The first unit whose use is at or over its cap: with no room left, the period is `limit_reached`. */
export function unitAtCap(usage: UnitCounts, caps: UnitCounts): UsageUnit | null {
  return USAGE_UNITS.find((unit) => usage[unit] >= caps[unit]) ?? null;
}

const ZERO: UnitCounts = { writes: 0, retrieves: 0, runs: 0 };

export async function periodUsage(em: EntityManager, workspaceId: number, periodStart: Date | string): Promise<UnitCounts> {
  const rows = await em.execute<{ writes: string; retrieves: string; runs: string }[]>(
    'SELECT writes, retrieves, runs FROM usage_ledger WHERE workspace_id = ? AND period_start = ?',
    [workspaceId, new Date(periodStart)],
  );
  if (rows.length === 0) return { ...ZERO };
  return { writes: Number(rows[0].writes), retrieves: Number(rows[0].retrieves), runs: Number(rows[0].runs) };
}

