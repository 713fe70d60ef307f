import { randomUUID } from 'node:crypto';
import { Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ICON_LIMITS,
  ICONS_RPC,
  iconUploadPath,
  MnemoError,
  type CompleteIconUploadReply,
  type IconUploadTicket,
  type IconUploadUrlResource,
  type ReadIconReply,
} from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { workspaceTarget } from '../members/workspace-caller';
import { callService } from '../spine/call-service';

/**
 * Workspace icons (executor generateWorkspaceIconUploadUrl). An upload URL is single-use and signed by a
 * 256-bit token that only the workspaces service can check (it keeps the token's SHA-256), so it works through
 * every gateway replica. The bytes travel to the service in pieces, each NATS message well under 1 MiB.
 */
@ApiTags('icons')
@Controller('v1')
export class IconsController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private call<T>(operation: string, payload: unknown, request: FastifyRequest): Promise<T> {
    return callService<T>(this.runtime.rpc, 'workspaces', operation, payload, request);
  }

  /** The URL on the origin the client used to reach the API (behind a proxy: its forwarded host and scheme). */
  private uploadUrl(ticket: IconUploadTicket, request: FastifyRequest): IconUploadUrlResource {
    return { upload_url: `${request.protocol}://${request.host}${iconUploadPath(ticket.storage_id, ticket.token)}`, storage_id: ticket.storage_id, expires_at: ticket.expires_at };
  }

  /** For an existing workspace (owners and admins): only this workspace may use the storage id. */
  @Post('workspaces/:id/icon-upload-url')
  @HttpCode(200)
  @ApiBearerAuth()
  async workspaceUploadUrl(@Req() request: FastifyRequest): Promise<IconUploadUrlResource> {
    return this.uploadUrl(await this.call<IconUploadTicket>(ICONS_RPC.createIconUpload, workspaceTarget(request), request), request);
  }

  /** For a workspace about to be created (no body): only this user may use the storage id. */
  @Post('icon-upload-url')
  @HttpCode(200)
  @ApiBearerAuth()
  async accountUploadUrl(@Req() request: FastifyRequest): Promise<IconUploadUrlResource> {
    return this.uploadUrl(await this.call<IconUploadTicket>(ICONS_RPC.createIconUpload, { user_id: authOf(request).userId }, request), request);
  }

  /** The signed upload: PNG, JPEG or WebP (by magic bytes, else 415), ≤ 1 MiB (else 413), ≤ 1024×1024 (else 400) → 204. */
  @Put('icon-uploads/:storageId')
  @HttpCode(204)
  @ApiConsumes('image/png', 'image/jpeg', 'image/webp', 'application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiQuery({ name: 'token', required: true, description: 'the signature part of upload_url' })
  async upload(@Param('storageId') storageId: string, @Query('token') token: unknown, @Req() request: FastifyRequest): Promise<void> {
    const ticket = { storage_id: storageId, token: typeof token === 'string' ? token : '', upload_id: randomUUID() };
    const body = request.body;
    // The service sniffs the bytes; a body that is not bytes at all (JSON, none) is not an image either.
    const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    if (bytes.length > ICON_LIMITS.maxBytes) throw new MnemoError('PAYLOAD_TOO_LARGE', `an icon must be at most ${ICON_LIMITS.maxBytes} bytes`);
    let chunks = 0;
    for (let offset = 0; offset < bytes.length; offset += ICON_LIMITS.chunkBytes, chunks++) {
      const piece = bytes.subarray(offset, offset + ICON_LIMITS.chunkBytes);
      await this.call(ICONS_RPC.putIconUploadChunk, { ...ticket, index: chunks, bytes: piece.toString('base64') }, request);
    }
    await this.call<CompleteIconUploadReply>(ICONS_RPC.completeIconUpload, { ...ticket, chunks }, request);
  }

  /** A workspace's icon_url: public, with its sniffed type, never interpreted as anything but an image. */
  @Get('icons/:storageId')
  async icon(@Param('storageId') storageId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const pieces: Buffer[] = [];
    let first: ReadIconReply | undefined;
    for (let offset = 0; ; ) {
      const piece = await this.call<ReadIconReply>(ICONS_RPC.readIcon, { storage_id: storageId, offset }, request);
      first ??= piece;
      const bytes = Buffer.from(piece.bytes, 'base64');
      pieces.push(bytes);
      offset += bytes.length;
      if (bytes.length === 0 || offset >= piece.size) break;
    }
    void reply
      .status(200)
      .header('Content-Type', first.content_type)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'none'")
      // A storage id never names other bytes: a new icon is a new upload.
      .header('Cache-Control', 'public, max-age=86400, immutable')
      .send(Buffer.concat(pieces));
  }
}
