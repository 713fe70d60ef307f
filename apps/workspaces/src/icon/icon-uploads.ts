import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ICON_LIMITS, MnemoError, type CompleteIconUploadReply, type IconContentType, type IconUploadTicket, type ReadIconReply } from '@mnemo/contracts';
import { checkIcon } from './icon-image';

/**
 * Icon uploads in this service's database, so an upload URL issued through one gateway replica works on every
 * other: the URL's token is checked against its SHA-256 here and used up in the transaction that stores the
 * bytes. Storage ids are random (v4) UUIDs: an icon is public, so its address must not be guessable from time.
 */

function tokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Uploads to one URL staging pieces at the same time (a client retrying after a dropped connection). */
const MAX_ATTEMPTS_IN_FLIGHT = 2;

const refusedUrl = () => new MnemoError('FORBIDDEN', 'this upload URL is invalid, expired or already used', { reason: 'invalid_upload_url' });

interface TicketRow {
  token_sha256: string;
  status: 'issued' | 'uploaded';
  expires_at: Date;
}

/** A still usable ticket for this token, or FORBIDDEN — the same answer for unknown, tampered, used and expired. */
async function usableTicket(em: EntityManager, storageId: string, token: string, lock: boolean): Promise<void> {
  const [row] = await em.execute<TicketRow[]>(
    `SELECT token_sha256, status, expires_at FROM icon_uploads WHERE storage_id = ?${lock ? ' FOR UPDATE' : ''}`,
    [storageId],
  );
  if (!row) throw refusedUrl();
  const presented = Buffer.from(tokenSha256(token), 'hex');
  const expected = Buffer.from(row.token_sha256, 'hex');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw refusedUrl();
  if (row.status !== 'issued' || new Date(row.expires_at).getTime() <= Date.now()) throw refusedUrl();
}

/**
 * A new ticket: for a workspace (only it may use the storage id), or for the user's workspace-to-be.
 * `retentionMs`: how long an unclaimed upload lives; the oldest one's purge frees a place (Retry-After).
 */
export async function issueIconUpload(em: EntityManager, owner: { userId: string; workspaceId: number | null }, retentionMs: number): Promise<IconUploadTicket> {
  const [{ count, oldest }] = await em.execute<{ count: string; oldest: Date | null }[]>(
    'SELECT count(*) AS count, min(created_at) AS oldest FROM icon_uploads WHERE issued_to_user = ? AND claimed_by_workspace IS NULL',
    [owner.userId],
  );
  if (Number(count) >= ICON_LIMITS.maxUnclaimedPerUser) {
    const freedAt = new Date(oldest ?? Date.now()).getTime() + retentionMs;
    throw new MnemoError('RATE_LIMITED', `at most ${ICON_LIMITS.maxUnclaimedPerUser} icon uploads may wait for a workspace to use them`, {
      reason: 'unclaimed_icon_uploads',
      limit: ICON_LIMITS.maxUnclaimedPerUser,
      retry_after_seconds: Math.max(1, Math.ceil((freedAt - Date.now()) / 1000)),
    });
  }
  const storageId = randomUUID();
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ICON_LIMITS.uploadUrlTtlMs);
  await em.execute(`INSERT INTO icon_uploads (storage_id, token_sha256, issued_to_user, workspace_id, status, expires_at) VALUES (?, ?, ?, ?, 'issued', ?)`, [
    storageId,
    tokenSha256(token),
    owner.userId,
    owner.workspaceId,
    expiresAt,
  ]);
  return { storage_id: storageId, token, expires_at: expiresAt.toISOString() };
}

export async function stageIconChunk(em: EntityManager, chunk: { storageId: string; token: string; uploadId: string; index: number; bytes: Buffer }): Promise<void> {
  await usableTicket(em, chunk.storageId, chunk.token, false);
  // A few attempts in flight at once at most: a URL's holder cannot pile up staged bytes.
  const [{ count }] = await em.execute<{ count: string }[]>('SELECT count(DISTINCT upload_id) AS count FROM icon_upload_chunks WHERE storage_id = ? AND upload_id <> ?', [
    chunk.storageId,
    chunk.uploadId,
  ]);
  if (Number(count) >= MAX_ATTEMPTS_IN_FLIGHT) throw new MnemoError('CONFLICT', 'other uploads to this URL are in progress', { reason: 'in_progress' });
  await em.execute(
    `INSERT INTO icon_upload_chunks (storage_id, upload_id, chunk_index, bytes) VALUES (?, ?, ?, ?)
     ON CONFLICT (storage_id, upload_id, chunk_index) DO UPDATE SET bytes = EXCLUDED.bytes`,
    [chunk.storageId, chunk.uploadId, chunk.index, chunk.bytes],
  );
}

/**
 * Assembles the staged pieces, checks the image and uses the ticket up. Under the ticket's row lock: of two
 * uploads to one URL, exactly one completes.
 */
export async function completeIconUpload(em: EntityManager, upload: { storageId: string; token: string; uploadId: string; chunks: number }): Promise<CompleteIconUploadReply> {
  await usableTicket(em, upload.storageId, upload.token, true);
  const pieces = await em.execute<{ chunk_index: number; bytes: Buffer }[]>(
    'SELECT chunk_index, bytes FROM icon_upload_chunks WHERE storage_id = ? AND upload_id = ? ORDER BY chunk_index',
    [upload.storageId, upload.uploadId],
  );
  if (pieces.length !== upload.chunks || pieces.some((piece, i) => piece.chunk_index !== i)) {
    throw new MnemoError('VALIDATION_ERROR', 'the upload is incomplete', { reason: 'incomplete_upload' });
  }
  const bytes = Buffer.concat(pieces.map((piece) => piece.bytes));
  const icon = checkIcon(bytes);
  await em.execute(
    `UPDATE icon_uploads SET status = 'uploaded', bytes = ?, content_type = ?, size = ?, width = ?, height = ?, uploaded_at = now() WHERE storage_id = ?`,
    [bytes, icon.contentType, bytes.length, icon.width, icon.height, upload.storageId],
  );
  await discardStagedChunks(em, upload.storageId, upload.uploadId);
  return { storage_id: upload.storageId, content_type: icon.contentType, size: bytes.length, width: icon.width, height: icon.height };
}

export async function discardStagedChunks(em: EntityManager, storageId: string, uploadId: string): Promise<void> {
  await em.execute('DELETE FROM icon_upload_chunks WHERE storage_id = ? AND upload_id = ?', [storageId, uploadId]);
}

/** A piece of an icon some workspace uses; uploads nobody claimed are not served (no free file hosting). */
export async function readIconPiece(em: EntityManager, storageId: string, offset: number): Promise<ReadIconReply> {
  const [row] = await em.execute<{ content_type: IconContentType; size: number; piece: Buffer }[]>(
    `SELECT content_type, size, substring(bytes FROM ? FOR ?) AS piece FROM icon_uploads WHERE storage_id = ? AND claimed_by_workspace IS NOT NULL`,
    [offset + 1, ICON_LIMITS.chunkBytes, storageId],
  );
  if (!row) throw new MnemoError('NOT_FOUND', 'icon not found');
  return { content_type: row.content_type, size: row.size, offset, bytes: Buffer.from(row.piece).toString('base64') };
}

/**
 * Makes an uploaded icon a workspace's, in the command's transaction. Accepted only from the workspace the
 * URL was issued for, or — for an account-level URL — from a workspace its user is changing or creating.
 * Anything else (unknown, not uploaded, another user's or workspace's, used by another workspace) is the same
 * NOT_FOUND: a foreign id never says whether it exists.
 */
export async function claimIcon(em: EntityManager, storageId: string, by: { workspaceId: number; userId: string }): Promise<void> {
  const [row] = await em.execute<{ issued_to_user: string; workspace_id: number | null; status: string; claimed_by_workspace: number | null }[]>(
    'SELECT issued_to_user, workspace_id, status, claimed_by_workspace FROM icon_uploads WHERE storage_id = ? FOR UPDATE',
    [storageId],
  );
  const owned = row && (row.workspace_id === null ? row.issued_to_user === by.userId : row.workspace_id === by.workspaceId);
  if (!row || !owned || row.status !== 'uploaded' || (row.claimed_by_workspace !== null && row.claimed_by_workspace !== by.workspaceId)) {
    throw new MnemoError('NOT_FOUND', 'no uploaded icon with this storage id', { field: 'icon_storage_id' });
  }
  await em.execute('UPDATE icon_uploads SET claimed_by_workspace = ?, claimed_at = coalesce(claimed_at, now()) WHERE storage_id = ?', [by.workspaceId, storageId]);
}

/** The workspace's former icon goes when it is replaced or cleared: its URL stops answering. */
export async function releaseIcon(em: EntityManager, storageId: string, workspaceId: number): Promise<void> {
  await em.execute('DELETE FROM icon_uploads WHERE storage_id = ? AND claimed_by_workspace = ?', [storageId, workspaceId]);
}

/**
 * Deletes uploads no workspace claimed that are older than `olderThan`, and pieces of abandoned uploads.
 * READ COMMITTED re-checks the WHERE on a row a concurrent claim just updated, so a claimed row is never lost.
 */
export async function purgeUnclaimedIcons(em: EntityManager, olderThan: Date): Promise<number> {
  const purged = await em.execute<{ storage_id: string }[]>(
    'DELETE FROM icon_uploads WHERE claimed_by_workspace IS NULL AND created_at < ? RETURNING storage_id',
    [olderThan],
  );
  await em.execute('DELETE FROM icon_upload_chunks WHERE created_at < ?', [new Date(Date.now() - ICON_LIMITS.uploadUrlTtlMs)]);
  return purged.length;
}
