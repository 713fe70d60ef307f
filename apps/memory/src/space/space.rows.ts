import type { EntityManager } from '@mikro-orm/postgresql';
import { memoryUrn, MnemoError, parseMemoryUuid, type ContextSpaceResource, type MemoryCaller } from '@mnemo/contracts';
import { LIVE } from '../memory/memory.rows';
import { passesAgentGate } from './space.access';

export interface SpaceRow {
  id: string;
  owner_workspace_id: number;
  name: string;
  description: string | null;
  allowed_agent_ids: string[];
  allowed_tenant_ids: number[];
  tags: string[];
  created_at: Date | string;
  version: number;
  memory_count: string | number;
}

/** Columns of a space with its live memory count. */
export const SPACE_SELECT = `SELECT s.id, s.owner_workspace_id, s.name, s.description, s.allowed_agent_ids, s.allowed_tenant_ids, s.tags, s.created_at, s.version,
  (SELECT count(*) FROM memories m WHERE m.space_id = s.id AND m.workspace_id = s.owner_workspace_id AND ${LIVE.replace(/expires_at/g, 'm.expires_at')}) AS memory_count
  FROM context_spaces s`;

/**
 * The owner sees every setting; another workspace (`viewerWorkspaceId`) sees only itself in allowed_tenant_ids
 * and no agent ids: who else was granted is the owner's business.
 */
export function toSpaceResource(row: SpaceRow, viewerWorkspaceId: number = row.owner_workspace_id): ContextSpaceResource {
  if (viewerWorkspaceId !== row.owner_workspace_id) {
    return { ...toSpaceResource(row), allowed_agent_ids: [], allowed_tenant_ids: [String(viewerWorkspaceId)] };
  }
  return {
    space_id: memoryUrn(row.id),
    name: row.name,
    description: row.description,
    owner_tenant_id: String(row.owner_workspace_id),
    allowed_agent_ids: row.allowed_agent_ids,
    allowed_tenant_ids: row.allowed_tenant_ids.map(String),
    tags: row.tags,
    created_at: new Date(row.created_at).toISOString(),
    memory_count: Number(row.memory_count),
  };
}

type GateCaller = Pick<MemoryCaller, 'workspace_id' | 'agent_id' | 'scopes'>;

/**
 * A live space of the caller's workspace: NOT_FOUND when it does not exist, was deleted or belongs to another
 * workspace (grants are served only by the /v1/context-spaces routes, see SpaceHandlers); FORBIDDEN when the
 * caller fails its agent gate.
 */
export async function findAccessibleSpace(em: EntityManager, caller: GateCaller, rawId: unknown): Promise<SpaceRow> {
  const id = parseMemoryUuid(rawId);
  if (!id) throw new MnemoError('NOT_FOUND', 'no such context space');
  const [row] = await em.execute<SpaceRow[]>(`${SPACE_SELECT} WHERE s.id = ? AND s.deleted_at IS NULL AND s.owner_workspace_id = ?`, [id, caller.workspace_id]);
  if (!row) throw new MnemoError('NOT_FOUND', 'no such context space');
  if (!passesAgentGate(row, caller)) throw new MnemoError('FORBIDDEN', 'you do not have access to this space', { reason: 'agent_not_allowed' });
  return row;
}

/**
 * The live space a caller means by an id, or undefined (malformed, unknown or deleted). Space ids are unique per
 * owner workspace, not globally, so one id may name spaces of several owners. The caller's own space wins; then a
 * space granted to the caller (owner ≠ caller, caller in `allowed_tenant_ids`); should two granting workspaces
 * hold the same id, the one of the lowest owner workspace id answers (the limitation is in apps/memory/README.md).
 * Failing both, another workspace's space of that id (lowest owner id) is returned, so that the stranger's
 * refusal (404) is still recorded in that owner's audit chain. Access is decided by the caller.
 */
export async function findLiveSpace(em: EntityManager, caller: Pick<MemoryCaller, 'workspace_id'>, rawId: unknown): Promise<SpaceRow | undefined> {
  const id = parseMemoryUuid(rawId);
  if (!id) return undefined;
  const [row] = await em.execute<SpaceRow[]>(
    `${SPACE_SELECT} WHERE s.id = ? AND s.deleted_at IS NULL
     ORDER BY s.owner_workspace_id = ? DESC, s.allowed_tenant_ids @> ARRAY[?]::int[] DESC, s.owner_workspace_id LIMIT 1`,
    [id, caller.workspace_id, caller.workspace_id],
  );
  return row;
}

/** One space by its owner and id, deleted or not (the answer of a command that just changed it). */
export async function findSpaceOf(em: EntityManager, ownerWorkspaceId: number, id: string): Promise<SpaceRow | undefined> {
  const [row] = await em.execute<SpaceRow[]>(`${SPACE_SELECT} WHERE s.owner_workspace_id = ? AND s.id = ?`, [ownerWorkspaceId, id]);
  return row;
}

/**
 * A `space_id` used as a filter or a write target on /v1/memories…, search and context: only a live space of
 * the caller's workspace whose gate it passes; anything else is 404 (DESIGN.md), never a hint.
 */
export async function resolveSpaceFilter(em: EntityManager, caller: GateCaller, rawId: unknown): Promise<string> {
  try {
    return (await findAccessibleSpace(em, caller, rawId)).id;
  } catch (error) {
    if (error instanceof MnemoError) throw new MnemoError('NOT_FOUND', 'no such context space', { field: 'space_id' });
    throw error;
  }
}
