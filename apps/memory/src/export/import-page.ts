import type { EntityManager } from '@mikro-orm/postgresql';
import { MnemoError, type ImportPageReply, type MemoryCaller } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { LIVE } from '../memory/memory.rows';
import { memoryStreamId } from '../memory/memory.decide';
import type { MemoryWrites } from '../memory/memory.writes';
import { decideSpace, spaceStreamId } from '../space/space.decide';
import { projectSpaceEvents } from '../space/space.projection';
import { initialSpaceState } from '../space/space.state';
import { lineRefusal, type ImportedPage, type ImportedSpace, type LineProblem } from './import-lines';

/**
 * What happens to the grants of imported spaces: kept only when the caller asked (`keep_grants=true`) and the
 * workspace's plan shares; then only grantees that exist here (and never the importing workspace itself).
 */
export interface GrantPolicy {
  keep: boolean;
  existingGrantees: Set<number>;
}

/** The grants a space keeps under the policy; a dropped grantee takes its `<workspace>:<agent>` entries along. */
export function grantsUnder(policy: GrantPolicy, workspaceId: number, space: ImportedSpace): { allowed_tenant_ids: number[]; allowed_agent_ids: string[] } {
  const tenants = space.settings.allowed_tenant_ids ?? [];
  const kept = policy.keep ? tenants.filter((id) => id !== workspaceId && policy.existingGrantees.has(id)) : [];
  const dropped = tenants.filter((id) => !kept.includes(id));
  const agents = (space.settings.allowed_agent_ids ?? []).filter((agent) => !dropped.some((id) => agent.startsWith(`${id}:`)));
  return { allowed_tenant_ids: kept, allowed_agent_ids: agents };
}

/**
 * The streams among `streamIds` that exist. Stream ids name the workspace (ids are unique per workspace), so an
 * existing stream of this workspace's ids means the id was used here already (live, deleted or expired: an id is
 * never reused within a workspace); the same id in another workspace is another stream and no concern.
 */
async function existingStreams(tx: EntityManager, streamIds: string[]): Promise<Set<string>> {
  if (streamIds.length === 0) return new Set();
  const rows = await tx.execute<{ stream_id: string }[]>(
    `SELECT DISTINCT stream_id FROM events WHERE stream_id = ANY (ARRAY(SELECT jsonb_array_elements_text(?::jsonb)))`,
    [JSON.stringify(streamIds)],
  );
  return new Set(rows.map((row) => row.stream_id));
}

/**
 * Imports one page in the caller's transaction (the write pipeline's, so the usage gate counts the memories it
 * stores and a refusal stores nothing): lines whose id this workspace holds already are skipped (importing a
 * page twice writes nothing new); ids are unique per workspace, so the same id in another workspace is no
 * conflict (a fresh workspace takes another's export whole). A document path taken by another memory refuses the
 * page naming the line. Spaces are created first, then the memories, under their own uuids and times.
 */
export async function importPageInTransaction(
  tx: EntityManager,
  deps: { store: EventStore; writes: MemoryWrites },
  caller: MemoryCaller,
  page: ImportedPage,
  grants: GrantPolicy,
): Promise<ImportPageReply> {
  const workspaceId = caller.workspace_id;
  const held = await existingStreams(tx, [...page.spaces.map((s) => spaceStreamId(workspaceId, s.id)), ...page.memories.map((m) => memoryStreamId(workspaceId, m.id))]);
  const spaces = page.spaces.filter((space) => !held.has(spaceStreamId(workspaceId, space.id)));
  const memories = page.memories.filter((memory) => !held.has(memoryStreamId(workspaceId, memory.id)));
  const conflicts: LineProblem[] = [];

  const paths = memories.flatMap((memory) => (memory.input.path !== null ? [memory.input.path] : []));
  if (paths.length > 0) {
    const taken = await tx.execute<{ path: string }[]>(
      `SELECT path FROM memories WHERE workspace_id = ? AND ${LIVE} AND path = ANY (ARRAY(SELECT jsonb_array_elements_text(?::jsonb)))`,
      [workspaceId, JSON.stringify(paths)],
    );
    const takenPaths = new Set(taken.map((row) => row.path));
    for (const memory of memories) {
      if (memory.input.path !== null && takenPaths.has(memory.input.path)) conflicts.push({ line: memory.line, field: 'memory.path', problem: 'another memory is stored at this path' });
    }
  }
  if (conflicts.length > 0) throw lineRefusal('CONFLICT', conflicts, { reason: 'path_taken' });
  if (spaces.length > 0 && !caller.scopes.includes('spaces:admin')) {
    throw lineRefusal('FORBIDDEN', [{ line: spaces[0].line, field: 'space', problem: 'importing context spaces needs the spaces:admin scope' }], { reason: 'missing_scope' });
  }

  let grantsDropped = false;
  for (const space of spaces) {
    const kept = grantsUnder(grants, workspaceId, space);
    if (kept.allowed_tenant_ids.length !== (space.settings.allowed_tenant_ids ?? []).length) grantsDropped = true;
    const events = decideSpace(
      { type: 'CreateSpace', spaceId: space.id, caller, input: { ...space.settings, ...kept }, sharingAllowed: kept.allowed_tenant_ids.length > 0 },
      initialSpaceState,
    );
    const appended = await deps.store.appendInTransaction(tx, spaceStreamId(workspaceId, space.id), 0, events as never, {
      owner: { workspaceId: String(workspaceId) },
      actor: caller.principal,
    });
    await projectSpaceEvents(tx, appended);
    // The read model keeps the space's original creation time (the event keeps the time of the import).
    await tx.execute('UPDATE context_spaces SET created_at = ? WHERE owner_workspace_id = ? AND id = ?', [space.createdAt, workspaceId, space.id]);
  }

  if (memories.length > 0) {
    try {
      const results = await deps.writes.writeAll(
        tx,
        caller,
        memories.map((memory) => memory.input),
        true,
        memories.map((memory) => ({ uuid: memory.id, created_at: memory.createdAt, updated_at: memory.updatedAt })),
      );
      if (results.some((result, index) => result.uuid !== memories[index].id || result.outcome !== 'created')) {
        throw new MnemoError('CONFLICT', 'the workspace changed while the page was imported; retry', { reason: 'contention' });
      }
    } catch (error) {
      // The pipeline names the item by its index in the batch; the client knows it by its line.
      const index = error instanceof MnemoError ? error.details?.index : undefined;
      if (error instanceof MnemoError && typeof index === 'number' && memories[index]) {
        const message = error.message.replace(/^memories\[\d+\]: /, '');
        throw lineRefusal(error.code, [{ line: memories[index].line, field: String(error.details?.field ?? 'memory'), problem: message }], {
          ...(error.details?.reason ? { reason: error.details.reason } : {}),
        });
      }
      throw error;
    }
    const recalls = memories.filter((memory) => memory.recallCount > 0);
    if (recalls.length > 0) {
      await tx.execute(
        `UPDATE memories m SET recall_count = c.value::int FROM jsonb_each_text(?::jsonb) AS c WHERE m.id = c.key::uuid AND m.workspace_id = ?`,
        [JSON.stringify(Object.fromEntries(recalls.map((memory) => [memory.id, memory.recallCount]))), workspaceId],
      );
    }
  }
  return {
    imported: { spaces: spaces.length, memories: memories.length },
    skipped: { spaces: page.spaces.length - spaces.length, memories: page.memories.length - memories.length },
    grants_dropped: grantsDropped,
  };
}
