import { Controller, Inject } from '@nestjs/common';
import {
  ICON_LIMITS,
  ICONS_RPC,
  MnemoError,
  type CompleteIconUploadReply,
  type IconUploadTicket,
  type ReadIconReply,
  type WorkspaceCaller,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { resolveCaller } from '../membership/caller';
import { requireManager } from '../membership/grant-rules';
import { parseUserRequest, parseWorkspaceCallerRequest } from '../rpc-requests';
import { ICON_SETTINGS } from './icon-sweeper';
import type { IconSettings } from './icon.settings';
import { completeIconUpload, discardStagedChunks, issueIconUpload, readIconPiece, stageIconChunk } from './icon-uploads';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const refusedUrl = () => new MnemoError('FORBIDDEN', 'this upload URL is invalid, expired or already used', { reason: 'invalid_upload_url' });

/** The URL's storage id and token: a malformed one is refused like a tampered one. */
function parseTicket(data: unknown): { storageId: string; token: string; uploadId: string } {
  const fields = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const { storage_id: storageId, token, upload_id: uploadId } = fields;
  if (typeof storageId !== 'string' || !UUID.test(storageId) || typeof token !== 'string' || token.length === 0 || token.length > 100) throw refusedUrl();
  if (typeof uploadId !== 'string' || !UUID.test(uploadId)) throw new MnemoError('VALIDATION_ERROR', 'upload_id must be a UUID', { field: 'upload_id' });
  return { storageId: storageId.toLowerCase(), token, uploadId: uploadId.toLowerCase() };
}

/** A whole number in [0, max], else VALIDATION_ERROR naming the field. */
function count(fields: Record<string, unknown>, field: string, max: number): number {
  const value = fields[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw new MnemoError('VALIDATION_ERROR', `${field} must be 0 to ${max}`, { field });
  return value;
}

/** An upload is at most 1 MiB: that many pieces, plus one for a body the gateway let through at the edge. */
const MAX_CHUNKS = Math.ceil(ICON_LIMITS.maxBytes / ICON_LIMITS.chunkBytes) + 1;

/**
 * Icon uploads (executor generateWorkspaceIconUploadUrl): tickets, the staged pieces of an upload, the upload's
 * completion, and reading icons back for `GET /v1/icons/:storageId`. Claiming an icon is part of the
 * workspace commands (update, create).
 */
@Controller()
export class IconHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(ICON_SETTINGS) private readonly settings: IconSettings,
  ) {}

  /** `{ user_id }`: account-level, for a workspace about to be created; `{ workspace_id, caller }`: owners and admins. */
  @RpcHandler('workspaces', ICONS_RPC.createIconUpload)
  async createIconUpload(data: unknown): Promise<IconUploadTicket> {
    const em = this.runtime.orm.em.fork();
    if (typeof data === 'object' && data !== null && 'workspace_id' in data) {
      const request = parseWorkspaceCallerRequest(data);
      const caller = await resolveCaller(em, request.workspaceId, request.caller as WorkspaceCaller);
      requireManager(caller.role, 'upload the workspace icon');
      return issueIconUpload(em, { userId: caller.userId, workspaceId: request.workspaceId }, this.settings.unclaimedRetentionMs);
    }
    const { userId } = parseUserRequest(data);
    return issueIconUpload(em, { userId, workspaceId: null }, this.settings.unclaimedRetentionMs);
  }

  @RpcHandler('workspaces', ICONS_RPC.putIconUploadChunk)
  async putIconUploadChunk(data: unknown): Promise<{ staged: true }> {
    const ticket = parseTicket(data);
    const fields = data as Record<string, unknown>;
    const index = count(fields, 'index', MAX_CHUNKS - 1);
    if (typeof fields.bytes !== 'string') throw new MnemoError('VALIDATION_ERROR', 'bytes must be base64', { field: 'bytes' });
    const bytes = Buffer.from(fields.bytes, 'base64');
    if (bytes.length > ICON_LIMITS.chunkBytes) throw new MnemoError('PAYLOAD_TOO_LARGE', `a piece is at most ${ICON_LIMITS.chunkBytes} bytes`);
    await stageIconChunk(this.runtime.orm.em.fork(), { ...ticket, index, bytes });
    return { staged: true };
  }

  /** A refused image leaves the URL usable (nothing was stored) and its pieces gone. */
  @RpcHandler('workspaces', ICONS_RPC.completeIconUpload)
  async completeIconUpload(data: unknown): Promise<CompleteIconUploadReply> {
    const ticket = parseTicket(data);
    const chunks = count(data as Record<string, unknown>, 'chunks', MAX_CHUNKS);
    try {
      return await this.runtime.orm.em.fork().transactional((em) => completeIconUpload(em, { ...ticket, chunks }));
    } catch (error) {
      await discardStagedChunks(this.runtime.orm.em.fork(), ticket.storageId, ticket.uploadId).catch(() => undefined);
      throw error;
    }
  }

  @RpcHandler('workspaces', ICONS_RPC.readIcon)
  async readIcon(data: unknown): Promise<ReadIconReply> {
    const fields = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
    if (typeof fields.storage_id !== 'string' || !UUID.test(fields.storage_id)) throw new MnemoError('NOT_FOUND', 'icon not found');
    const offset = count(fields, 'offset', ICON_LIMITS.maxBytes);
    return readIconPiece(this.runtime.orm.em.fork(), fields.storage_id.toLowerCase(), offset);
  }
}
