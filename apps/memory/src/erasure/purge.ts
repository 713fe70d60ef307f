import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventStore } from '@mnemo/event-store';
import type { MemoryPurged, NewEvent } from '@mnemo/contracts';
import { memoryStreamId } from '../memory/memory.decide';

/** The memory service's record of one workspace: where the `memory.purged` of a workspace erasure is kept. */
export function workspaceStreamId(workspaceId: number): string {
  return `workspace-${workspaceId}`;
}

// Stream ids travel as one JSON parameter: the driver would expand an array parameter into a list.
const STREAM_IDS = 'ARRAY(SELECT jsonb_array_elements_text(?::jsonb))';

/**
 * The erasure of one memory, inside the transaction that appended its `memory.deleted` + `memory.purged` (the
 * projection already removed its row, and with it the search vector and trigram entry): the content fields
 * of its stored events are redacted in place, and stored answers that repeat its content (idempotency records
 * of its writes, which hold the response) are dropped.
 */
export async function purgeMemoryContent(em: EntityManager, workspaceId: number, uuid: string): Promise<void> {
  await em.execute(`SELECT redact_stored_content(?, ${STREAM_IDS}) AS redacted`, [workspaceId, JSON.stringify([memoryStreamId(workspaceId, uuid)])]);
  // Answers that can hold a memory's content: a single write's (the memory itself) and a PATCH of it. A batch's
  // answer holds uuids only.
  await em.execute(`DELETE FROM idempotency_records WHERE workspace_id = ? AND ((route = '/v1/memories' AND response::text LIKE ?) OR route = ?)`, [
    String(workspaceId),
    `%${uuid}%`,
    `/v1/memories/${uuid}`,
  ]);
}

export interface WorkspacePurge {
  /** False when the workspace had been purged already (a repeated `workspace.deleted`, or the account step). */
  purged: boolean;
  memories: number;
  spaces: number;
}

/**
 * The erasure of a workspace's memory content, in the caller's transaction: every memory and context space
 * leaves the read models (and so the search index), every content field of the workspace's stored events is
 * redacted, stored answers and staged imports go, and a `memory.purged` (scope `workspace`) tells consumers.
 * Runs once per workspace: concurrent purges serialise on an advisory lock and the second finds it done.
 */
export async function purgeWorkspaceContent(em: EntityManager, store: EventStore, workspaceId: number, erasureId: string | null): Promise<WorkspacePurge> {
  await em.execute('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`purge-workspace:${workspaceId}`]);
  const done = await em.execute('SELECT 1 FROM purged_workspaces WHERE workspace_id = ?', [workspaceId]);
  if (done.length > 0) return { purged: false, memories: 0, spaces: 0 };
  const memories = await em.execute<{ id: string }[]>('DELETE FROM memories WHERE workspace_id = ? RETURNING id', [workspaceId]);
  const spaces = await em.execute<{ id: string }[]>('DELETE FROM context_spaces WHERE owner_workspace_id = ? RETURNING id', [workspaceId]);
  await em.execute('SELECT redact_stored_content(?, NULL) AS redacted', [workspaceId]);
  await em.execute('DELETE FROM idempotency_records WHERE workspace_id = ?', [String(workspaceId)]);
  await em.execute('DELETE FROM import_parts WHERE workspace_id = ?', [workspaceId]);
  await em.execute('INSERT INTO purged_workspaces (workspace_id, erasure_id) VALUES (?, ?)', [workspaceId, erasureId]);
  const streamId = workspaceStreamId(workspaceId);
  const history = await store.readStream(streamId, em);
  const purged: MemoryPurged = { workspace_id: workspaceId, uuid: null, scope: 'workspace', erasure_id: erasureId };
  await store.appendInTransaction(em, streamId, history.length, [{ type: 'memory.purged', data: purged } as unknown as NewEvent], {
    owner: { workspaceId: String(workspaceId) },
    actor: 'system:erasure',
  });
  return { purged: true, memories: memories.length, spaces: spaces.length };
}
