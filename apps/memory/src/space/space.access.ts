import { planLimits, type MemoryCaller, type PlanName, type SpaceSettings, type WorkspaceStatus } from '@mnemo/contracts';

/**
 * The agent gate of DESIGN.md: open when `allowed_agent_ids` is empty; otherwise the key's *bound* agent must be
 * listed (a body or query agent_id is never a credential). Unbound keys and sessions pass it only in the owner
 * workspace with `spaces:admin`. This is the owner workspace's gate; other workspaces pass `passesGranteeGate`.
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

/**
 * The agent gate for a caller of a grantee workspace: open when `allowed_agent_ids` is empty; otherwise the key's
 * bound agent must be listed qualified by its workspace, `<workspace_id>:<agent_id>`. Unbound keys and sessions
 * of a grantee never pass a closed gate (spaces:admin counts only in the owner workspace).
 */
export function passesGranteeGate(settings: Pick<SpaceSettings, 'allowed_agent_ids'>, caller: Pick<MemoryCaller, 'workspace_id' | 'agent_id'>): boolean {
  if (settings.allowed_agent_ids.length === 0) return true;
  return caller.agent_id !== null && settings.allowed_agent_ids.includes(grantedAgentId(caller.workspace_id, caller.agent_id));
}

/** How a grantee's agent is listed in `allowed_agent_ids`. */
export function grantedAgentId(workspaceId: number, agentId: string): string {
  return `${workspaceId}:${agentId}`;
}

/** Why access to a space was refused; `details.reason` of the answer and the audit record's cause. */
export type SpaceRefusalReason = 'not_granted' | 'agent_not_allowed' | 'owner_suspended' | 'sharing_not_in_plan' | 'owner_only';

export type SpaceAccess =
  | { allowed: true; role: 'owner' | 'grantee' }
  | { allowed: false; role: 'owner' | 'grantee' | 'stranger'; code: 'NOT_FOUND' | 'FORBIDDEN' | 'OWNER_ONLY'; reason: SpaceRefusalReason };

/** The owner's standing as far as grants care: suspended owners and plans without sharing switch grants off. */
export interface OwnerStanding {
  status: WorkspaceStatus;
  planName: PlanName;
  deleted?: boolean;
}

/**
 * Who may read a live space (DESIGN.md "Context spaces and the tenant boundary"): the owner workspace through
 * its agent gate; a workspace in `allowed_tenant_ids` through the grantee gate, while the owner is not suspended
 * and its plan shares; anybody else is a stranger and gets 404 (a foreign id never answers data or a hint).
 * `ownerStanding` is needed only for grantees (null when the caller is the owner).
 */
export function decideSpaceRead(
  space: Pick<SpaceSettings, 'allowed_agent_ids' | 'allowed_tenant_ids'> & { owner_workspace_id: number },
  caller: Pick<MemoryCaller, 'workspace_id' | 'agent_id' | 'scopes'>,
  ownerStanding: OwnerStanding | null,
): SpaceAccess {
  if (caller.workspace_id === space.owner_workspace_id) {
    return passesAgentGate(space, caller) ? { allowed: true, role: 'owner' } : { allowed: false, role: 'owner', code: 'FORBIDDEN', reason: 'agent_not_allowed' };
  }
  if (!space.allowed_tenant_ids.includes(caller.workspace_id)) return { allowed: false, role: 'stranger', code: 'NOT_FOUND', reason: 'not_granted' };
  if (!ownerStanding || ownerStanding.deleted) return { allowed: false, role: 'stranger', code: 'NOT_FOUND', reason: 'not_granted' };
  if (ownerStanding.status === 'suspended') return { allowed: false, role: 'grantee', code: 'FORBIDDEN', reason: 'owner_suspended' };
  if (!planLimits(ownerStanding.planName).sharing) return { allowed: false, role: 'grantee', code: 'FORBIDDEN', reason: 'sharing_not_in_plan' };
  if (!passesGranteeGate(space, caller)) return { allowed: false, role: 'grantee', code: 'FORBIDDEN', reason: 'agent_not_allowed' };
  return { allowed: true, role: 'grantee' };
}

/** Changing or deleting a space is the owner's (through its agent gate); a grantee is told OWNER_ONLY. */
export function decideSpaceChange(
  space: Pick<SpaceSettings, 'allowed_agent_ids' | 'allowed_tenant_ids'> & { owner_workspace_id: number },
  caller: Pick<MemoryCaller, 'workspace_id' | 'agent_id' | 'scopes'>,
): SpaceAccess {
  if (caller.workspace_id === space.owner_workspace_id) return decideSpaceRead(space, caller, null);
  if (space.allowed_tenant_ids.includes(caller.workspace_id)) return { allowed: false, role: 'grantee', code: 'OWNER_ONLY', reason: 'owner_only' };
  return { allowed: false, role: 'stranger', code: 'NOT_FOUND', reason: 'not_granted' };
}
