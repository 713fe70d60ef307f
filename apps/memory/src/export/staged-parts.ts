import type { EntityManager } from '@mikro-orm/postgresql';
import { IMPORT_LIMITS, MnemoError, type MemoryCaller } from '@mnemo/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A request body larger than one NATS message (an import page, a memory batch near 1 MiB) reaches the memory
 * service in parts: the gateway stages all but the last with `stageImport` (rows of `import_parts`, kept an
 * hour at most), then sends the last with `upload_id` and `parts`, and the service handles the whole in one
 * transaction — all of it or nothing.
 */
export function checkLines(raw: unknown): string[] {
  if (!Array.isArray(raw) || !raw.every((line) => typeof line === 'string')) throw new MnemoError('VALIDATION_ERROR', 'lines must be a list of strings');
  return raw;
}

export function checkUpload(uploadId: unknown, part: unknown, max: number): { uploadId: string; part: number } {
  if (typeof uploadId !== 'string' || !UUID.test(uploadId)) throw new MnemoError('VALIDATION_ERROR', 'upload_id must be a UUID');
  if (typeof part !== 'number' || !Number.isInteger(part) || part < 0 || part >= max) {
    throw new MnemoError('VALIDATION_ERROR', `a request has at most ${IMPORT_LIMITS.maxParts} parts`);
  }
  return { uploadId, part };
}

/** Keeps one part until the request's last part takes them all. */
export async function stagePart(em: EntityManager, caller: MemoryCaller, uploadId: string, part: number, lines: string[]): Promise<void> {
  await em.execute(`DELETE FROM import_parts WHERE created_at < now() - interval '1 hour'`);
  await em.execute(
    `INSERT INTO import_parts (upload_id, part, workspace_id, principal, lines) VALUES (?, ?, ?, ?, ?::jsonb)
     ON CONFLICT (upload_id, part) DO NOTHING`,
    [uploadId, part, caller.workspace_id, caller.principal, JSON.stringify(lines)],
  );
}

/** The lines of the `parts` staged parts, in order; VALIDATION_ERROR when one is missing (send it all again). */
export async function stagedLines(em: EntityManager, caller: MemoryCaller, upload: { uploadId: string; part: number }): Promise<string[]> {
  const staged = await em.execute<{ part: number; lines: string[] }[]>(
    'SELECT part, lines FROM import_parts WHERE upload_id = ? AND workspace_id = ? AND principal = ? ORDER BY part',
    [upload.uploadId, caller.workspace_id, caller.principal],
  );
  if (staged.length !== upload.part || staged.some((row, index) => row.part !== index)) {
    throw new MnemoError('VALIDATION_ERROR', 'parts of this request are missing; send it again');
  }
  return staged.flatMap((row) => row.lines);
}

export async function dropStaged(em: EntityManager, caller: MemoryCaller, uploadId: string): Promise<void> {
  await em.execute('DELETE FROM import_parts WHERE upload_id = ? AND workspace_id = ?', [uploadId, caller.workspace_id]);
}
