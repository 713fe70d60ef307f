import type { EntityManager } from '@mikro-orm/postgresql';
import { memoryUrn, type MemoryCaller, type MemoryResource } from '@mnemo/contracts';
import { visibleMemoriesSql } from '../space/space.access';

/**
 * A row of the `memories` read model, as the queries select it: the Memory resource's fields under their
 * stored names and types (a bare `id`, times as the driver returns them), plus the owner and the stream version.
 */
export type MemoryRow = Omit<MemoryResource, 'uuid' | 'expires_at' | 'created_at' | 'updated_at'> & {
  id: string;
  workspace_id: number;
  expires_at: Date | string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
};

export const MEMORY_COLUMNS =
  'id, workspace_id, observation, title, body_md, path, tags, importance, confidence, recall_count, agent_id, space_id, expires_at, version, created_at, updated_at';

/** Expired memories are gone from every read at once, before the sweeper purges them. */
export const LIVE = '(expires_at IS NULL OR expires_at > now())';

const iso = (value: Date | string) => new Date(value).toISOString();

export function toMemoryResource(row: MemoryRow): MemoryResource {
  return {
    uuid: memoryUrn(row.id),
    observation: row.observation,
    title: row.title,
    body_md: row.body_md,
    path: row.path,
    tags: row.tags,
    importance: Number(row.importance),
    confidence: Number(row.confidence),
    recall_count: Number(row.recall_count),
    agent_id: row.agent_id,
    space_id: row.space_id === null ? null : memoryUrn(row.space_id),
    expires_at: row.expires_at === null ? null : iso(row.expires_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/**
 * A live memory of the caller's workspace that the caller may see (outside any space, or in a space whose agent
 * gate it passes), or undefined: anything else does not exist for the caller.
 */
export async function findLiveMemory(em: EntityManager, caller: Pick<MemoryCaller, 'workspace_id' | 'agent_id' | 'scopes'>, id: string): Promise<MemoryRow | undefined> {
  const visible = visibleMemoriesSql('memories', caller);
  const [row] = await em.execute<MemoryRow[]>(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE id = ? AND workspace_id = ? AND ${LIVE} AND ${visible.sql}`, [
    id,
    caller.workspace_id,
    ...visible.params,
  ]);
  return row;
}

/** Answers are kept under NATS's 1 MiB: a page stops early (with a cursor) once its memories reach this size. */
export const PAGE_BYTE_BUDGET = 640 * 1024;

export function encodedSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Memories by id, still scoped by workspace, liveness and space gate (a search index is never trusted with the boundary alone). */
export async function loadVisibleMemories(em: EntityManager, caller: Pick<MemoryCaller, 'workspace_id' | 'agent_id' | 'scopes'>, ids: string[]): Promise<Map<string, MemoryRow>> {
  if (ids.length === 0) return new Map();
  const visible = visibleMemoriesSql('memories', caller);
  const rows = await em.execute<MemoryRow[]>(
    `SELECT ${MEMORY_COLUMNS} FROM memories
     WHERE workspace_id = ? AND ${LIVE} AND ${visible.sql} AND id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
    [caller.workspace_id, ...visible.params, JSON.stringify(ids)],
  );
  return new Map(rows.map((row) => [row.id, row]));
}
