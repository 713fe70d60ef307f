import type { EntityManager } from '@mikro-orm/postgresql';
import { MnemoError, USAGE_UNITS, type EventEnvelope, type PlanName, type UnitCounts, type UsageRecorded, type UsageUnit } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { decideOnWorkspace } from '../workspace/workspace.commands';
import { periodCaps, unitAtCap, type PlanCatalog } from './usage-caps';

function parseUsageRecorded(data: Record<string, unknown>): UsageRecorded {
  const { workspace_id, period_start, unit, quantity } = data;
  const valid =
    typeof workspace_id === 'number' &&
    Number.isSafeInteger(workspace_id) &&
    typeof period_start === 'string' &&
    Number.isFinite(Date.parse(period_start)) &&
    (USAGE_UNITS as readonly unknown[]).includes(unit) &&
    typeof quantity === 'number' &&
    Number.isSafeInteger(quantity) &&
    quantity > 0;
  if (!valid) throw new MnemoError('VALIDATION_ERROR', 'malformed usage.recorded event');
  return data as unknown as UsageRecorded;
}

/**
 * The ledger's effect for one `usage.recorded` fact, in the consumer's transaction (whose inbox row makes a
 * redelivery a no-op): add the units to the workspace's period row, and when a unit reaches the plan's cap in
 * the current period, record `limit_reached`. Facts of a deleted workspace are dropped.
 */
export async function recordUsage(em: EntityManager, store: EventStore, plans: PlanCatalog, envelope: EventEnvelope): Promise<void> {
  const fact = parseUsageRecorded(envelope.data);
  // The workspace row, locked: a concurrent plan change or rollover sees this usage, or we see theirs.
  const [workspace] = await em.execute<{ plan_name: PlanName; period_start: Date }[]>(
    'SELECT plan_name, period_start FROM workspaces WHERE workspace_id = ? FOR UPDATE',
    [fact.workspace_id],
  );
  if (!workspace) return;
  const [row] = await em.execute<Record<UsageUnit, string>[]>(
    `INSERT INTO usage_ledger (workspace_id, period_start, ${fact.unit}) VALUES (?, ?, ?)
     ON CONFLICT (workspace_id, period_start) DO UPDATE SET ${fact.unit} = usage_ledger.${fact.unit} + EXCLUDED.${fact.unit}
     RETURNING writes, retrieves, runs`,
    [fact.workspace_id, new Date(fact.period_start), fact.quantity],
  );
  if (new Date(workspace.period_start).getTime() !== Date.parse(fact.period_start)) return;
  const usage: UnitCounts = { writes: Number(row.writes), retrieves: Number(row.retrieves), runs: Number(row.runs) };
  const reached = unitAtCap(usage, periodCaps(plans(workspace.plan_name)));
  if (!reached) return;
  await decideOnWorkspace(
    em,
    store,
    fact.workspace_id,
    { type: 'RecordLimitReached', periodStart: new Date(fact.period_start).toISOString(), unit: reached },
    'system:usage-ledger',
  );
}
