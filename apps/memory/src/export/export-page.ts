import type { EntityManager } from '@mikro-orm/postgresql';
import { MnemoError, parseMemoryUuid, type ExportLine, type ExportPageReply, type MemoryCaller } from '@mnemo/contracts';
import { decodeCursor, encodeCursor } from '../requests';
import { encodedSize, LIVE, MEMORY_COLUMNS, PAGE_BYTE_BUDGET, toMemoryResource, type MemoryRow } from '../memory/memory.rows';
import { agentGateSql, visibleMemoriesSql } from '../space/space.access';
import { SPACE_SELECT, toSpaceResource, type SpaceRow } from '../space/space.rows';

/** Lines a page asks for; it stops earlier at PAGE_BYTE_BUDGET, so an answer stays under NATS's 1 MiB. */
const LINES_PER_PAGE = 1000;

/** Where an export goes on: `s` spaces, then `m` memories, after the id `a` (both in id order, UUIDv7 = creation). */
interface ExportPosition {
  phase: 's' | 'm';
  after: string | null;
}

function positionOf(cursor: string | undefined): ExportPosition {
  if (cursor === undefined) return { phase: 's', after: null };
  const raw = decodeCursor(cursor);
  const after = raw.a === null ? null : parseMemoryUuid(raw.a);
  if ((raw.p !== 's' && raw.p !== 'm') || after === undefined) throw new MnemoError('VALIDATION_ERROR', 'cursor is not valid', { field: 'cursor' });
  return { phase: raw.p, after };
}

/**
 * One page of a workspace's export: its live context spaces (that the caller passes the gate of), then the live
 * memories the caller may see, each as the API shows it. Only the owner's own spaces: a grant from another
 * workspace is that workspace's data.
 */
export async function exportPage(em: EntityManager, caller: MemoryCaller, cursor: string | undefined): Promise<ExportPageReply> {
  let position = positionOf(cursor);
  const lines: ExportLine[] = [];
  let bytes = 0;
  /** Adds a line unless the page is full; the first line always fits (a line is far below the budget). */
  const add = (line: ExportLine): boolean => {
    const size = encodedSize(line);
    if (lines.length >= LINES_PER_PAGE || (lines.length > 0 && bytes + size > PAGE_BYTE_BUDGET)) return false;
    lines.push(line);
    bytes += size;
    return true;
  };
  const cursorAt = (next: ExportPosition) => ({ lines, next_cursor: encodeCursor({ p: next.phase, a: next.after }) });

  if (position.phase === 's') {
    const gate = agentGateSql('s', caller);
    const rows = await em.execute<SpaceRow[]>(
      `${SPACE_SELECT} WHERE s.owner_workspace_id = ? AND s.deleted_at IS NULL AND ${gate.sql} ${position.after ? 'AND s.id > ?' : ''} ORDER BY s.id LIMIT ?`,
      [caller.workspace_id, ...gate.params, ...(position.after ? [position.after] : []), LINES_PER_PAGE + 1],
    );
    for (const row of rows) {
      if (!add({ type: 'space', space: toSpaceResource(row) })) return cursorAt({ phase: 's', after: lines.length > 0 ? lastId(lines) : position.after });
    }
    position = { phase: 'm', after: null };
  }

  const visible = visibleMemoriesSql('memories', caller);
  const rows = await em.execute<MemoryRow[]>(
    `SELECT ${MEMORY_COLUMNS} FROM memories WHERE workspace_id = ? AND ${LIVE} AND ${visible.sql} ${position.after ? 'AND id > ?' : ''} ORDER BY id LIMIT ?`,
    [caller.workspace_id, ...visible.params, ...(position.after ? [position.after] : []), LINES_PER_PAGE + 1],
  );
  for (const row of rows) {
    if (!add({ type: 'memory', memory: toMemoryResource(row) })) return cursorAt({ phase: 'm', after: lastMemoryId(lines) ?? position.after });
  }
  return { lines, next_cursor: null };
}

function bareId(urn: string): string {
  return parseMemoryUuid(urn)!;
}

function lastId(lines: ExportLine[]): string {
  const last = lines[lines.length - 1];
  return bareId(last.type === 'space' ? last.space.space_id : last.memory.uuid);
}

function lastMemoryId(lines: ExportLine[]): string | null {
  const last = lines[lines.length - 1];
  return last?.type === 'memory' ? bareId(last.memory.uuid) : null;
}
