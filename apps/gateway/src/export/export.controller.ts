import { Readable } from 'node:stream';
import { Body, Controller, Get, Inject, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { IMPORT_LIMITS, MEMORY_RPC, MnemoError, type ExportPageReply, type ImportPageReply, type MemoryCaller } from '@mnemo/contracts';
import { RpcClient, SharedConnectionNatsClient } from '@mnemo/messaging';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { memoryCallerOf } from '../memories/memories.controller';
import { callService } from '../spine/call-service';
import { partsOf } from '../spine/message-parts';
import { ImportQuery } from './export.dto';
import { NDJSON_CONTENT_TYPE } from './ndjson-body';

/** How many ordinary RPC timeouts the gateway waits for an import page. */
const IMPORT_TIMEOUT_FACTOR = 6;


/**
 * A workspace's memories and context spaces as NDJSON, out and in. No NATS message exceeds 1 MiB: the export is
 * read from the memory service page by page and streamed; an import page (the request body, ≤ 1 MiB) goes in
 * parts and is imported in one transaction — all of it or nothing.
 */
@ApiTags('export')
@ApiBearerAuth()
@Controller('v1')
export class ExportController {
  /**
   * An import page is one transaction of up to ~1 MiB of memories (events, read-model rows, indexes): it may
   * take longer than an ordinary call, and a timeout here would answer 503 for a page that then commits.
   */
  private readonly importRpc: RpcClient;

  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {
    this.importRpc = new RpcClient(new SharedConnectionNatsClient(runtime.nc, runtime.config.natsPrefix), runtime.config.rpcTimeoutMs * IMPORT_TIMEOUT_FACTOR);
  }

  @Get('export')
  @ApiProduces(NDJSON_CONTENT_TYPE)
  async export(@Req() request: FastifyRequest): Promise<StreamableFile> {
    const caller = memoryCallerOf(request);
    // The first page is read before answering, so a refusal still leaves as the error envelope.
    const first = await this.exportPage(caller, undefined, request);
    return new StreamableFile(Readable.from(this.exportLines(caller, first, request)), { type: `${NDJSON_CONTENT_TYPE}; charset=utf-8` });
  }

  private exportPage(caller: MemoryCaller, cursor: string | undefined, request: FastifyRequest): Promise<ExportPageReply> {
    return callService<ExportPageReply>(this.runtime.rpc, 'memory', MEMORY_RPC.exportPage, { caller, ...(cursor ? { cursor } : {}) }, request);
  }

  private async *exportLines(caller: MemoryCaller, first: ExportPageReply, request: FastifyRequest): AsyncGenerator<string> {
    let page = first;
    for (;;) {
      if (page.lines.length > 0) yield page.lines.map((line) => `${JSON.stringify(line)}\n`).join('');
      if (!page.next_cursor) return;
      page = await this.exportPage(caller, page.next_cursor, request);
    }
  }

  /** 201 when the page added something; 200 when every line was there already (an import is idempotent). */
  @Post('import')
  @ApiConsumes(NDJSON_CONTENT_TYPE)
  @ApiBody({ description: 'one page of NDJSON as GET /v1/export writes it, ≤ 1 MiB', schema: { type: 'string' } })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async import(@Body() body: unknown, @Query() query: ImportQuery, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ImportPageReply> {
    if (typeof body !== 'string') throw new MnemoError('UNSUPPORTED_MEDIA_TYPE', `send the page as ${NDJSON_CONTENT_TYPE}`);
    const caller = memoryCallerOf(request);
    const lines = body.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const tooLong = lines.findIndex((line) => Buffer.byteLength(line, 'utf8') > IMPORT_LIMITS.lineBytes);
    if (tooLong >= 0) {
      throw new MnemoError('VALIDATION_ERROR', `line ${tooLong + 1}: longer than ${IMPORT_LIMITS.lineBytes} bytes; nothing was imported`, { line: tooLong + 1 });
    }
    const parts = partsOf(lines, IMPORT_LIMITS.partBytes);
    const keepGrants = query.keep_grants === 'true';
    let imported: ImportPageReply;
    if (parts.length === 1) {
      imported = await callService<ImportPageReply>(this.importRpc, 'memory', MEMORY_RPC.importPage, { caller, lines, keep_grants: keepGrants }, request);
    } else {
      const uploadId = uuidv7();
      const staged = parts.slice(0, -1);
      for (const [part, partLines] of staged.entries()) {
        await callService(this.runtime.rpc, 'memory', MEMORY_RPC.stageImport, { caller, upload_id: uploadId, part, lines: partLines }, request);
      }
      imported = await callService<ImportPageReply>(
        this.importRpc,
        'memory',
        MEMORY_RPC.importPage,
        { caller, upload_id: uploadId, parts: staged.length, lines: parts[parts.length - 1], keep_grants: keepGrants },
        request,
      );
    }
    void reply.status(imported.imported.spaces + imported.imported.memories > 0 ? 201 : 200);
    return imported;
  }
}
