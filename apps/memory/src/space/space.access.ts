import type { MemoryCaller, SpaceSettings } from '@mnemo/contracts';

/**
 * The agent gate of DESIGN.md: open when `allowed_agent_ids` is empty; otherwise the key's *bound* agent must be
 * listed (a body or query agent_id is never a credential). Unbound keys and sessions pass it only in the owner
 * workspace with `spaces:admin`. This slice serves the owner workspace only; grantees come with cross-tenant
 * grants (their agents listed as `<workspace_id>:<agent>`).
 */
export function passesAgentGate(settings: Pick<SpaceSettings, 'allowed_agent_ids'>, caller: Pick<MemoryCaller, 'agent_id' | 'scopes'>): boolean {
  if (settings.allowed_agent_ids.length === 0) return true;
  if (caller.agent_id !== null) return settings.allowed_agent_ids.includes(caller.agent_id);
  return caller.scopes.includes('spaces:admin');
}

/**
 * The same gate in SQL over a `context_spaces` row aliased `alias`, for queries that must hide memories of
 * spaces the caller cannot pass. Two parameters: the bound agent ('' when none) and whether an unbound caller
 * holds spaces:admin.
 */
export function agentGateSql(alias: string, caller: Pick<MemoryCaller, 'agent_id' | 'scopes'>): { sql: string; params: unknown[] } {
  return {
    sql: `(cardinality(${alias}.allowed_agent_ids) = 0 OR ${alias}.allowed_agent_ids @> ARRAY[?]::text[] OR ?::boolean)`,
    params: [caller.agent_id ?? '', caller.agent_id === null && caller.scopes.includes('spaces:admin')],
  };
}

/**
 * Memories (aliased `alias`) the caller may see: outside any space, or in a space of the caller's workspace whose
 * agent gate it passes. A soft-deleted space keeps its memories and its gate.
 */
export function visibleMemoriesSql(alias: string, caller: Pick<MemoryCaller, 'agent_id' | 'scopes'>): { sql: string; params: unknown[] } {
  const gate = agentGateSql('gate_space', caller);
  return {
    sql: `(${alias}.space_id IS NULL OR EXISTS (SELECT 1 FROM context_spaces gate_space WHERE gate_space.id = ${alias}.space_id AND gate_space.owner_workspace_id = ${alias}.workspace_id AND ${gate.sql}))`,
    params: gate.params,
  };
}
