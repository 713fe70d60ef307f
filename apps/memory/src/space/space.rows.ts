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

/** The owner sees every setting; a grantee would see only itself in allowed_tenant_ids and no agent ids. */
export function toSpaceResource(row: SpaceRow): ContextSpaceResource {
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
 * workspace (cross-tenant grants are not served yet); FORBIDDEN when the caller fails its agent gate.
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
