import type { MemoryCaller, UnitCounts } from '@mnemo/contracts';
import { memoryTable, type MemoryWorkspace } from './helpers';

/** The caller the gateway would name for the workspace's owner, for driving the memory service over NATS. */
export function ownerCaller(ws: MemoryWorkspace): MemoryCaller {
  return { workspace_id: ws.workspaceId, principal: `user:${ws.owner.user.id}`, agent_id: null, scopes: ['memory:read', 'memory:write', 'spaces:admin'] };
}

/** The workspace's usage row of its current period (the gate's own table), zeros when none exists yet. */
export async function usageOf(workspaceId: number): Promise<UnitCounts & { period_start: string | null }> {
  const [row] = await memoryTable<{ writes: string; retrieves: string; runs: string; period_start: Date }>(
    'SELECT writes, retrieves, runs, period_start FROM memory.usage WHERE workspace_id = $1 ORDER BY period_start DESC LIMIT 1',
    [workspaceId],
  );
  if (!row) return { writes: 0, retrieves: 0, runs: 0, period_start: null };
  return { writes: Number(row.writes), retrieves: Number(row.retrieves), runs: Number(row.runs), period_start: new Date(row.period_start).toISOString() };
}

export async function memoryCount(workspaceId: number): Promise<number> {
  const [row] = await memoryTable<{ count: string }>('SELECT count(*) AS count FROM memory.memories WHERE workspace_id = $1', [workspaceId]);
  return Number(row.count);
}

/** Distinct observations, so none is deduplicated. */
export function observations(prefix: string, count: number, from = 0): { observation: string }[] {
  return Array.from({ length: count }, (_, i) => ({ observation: `${prefix} note ${from + i}` }));
}
