import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import {
  IMPORT_LIMITS,
  MEMORY_RPC,
  MnemoError,
  type BuildContextReply,
  type GetMemoryReply,
  type ListTeamsReply,
  type MemoryCaller,
  type MemoryPage,
  type MemoryResource,
  type SearchMemoriesReply,
  type WriteMemoriesReply,
  type WriteMemoryReply,
} from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { partsOf } from '../spine/message-parts';
import { etagOf, ifMatchVersion } from '../spine/if-match';
import { BuildContextBody, ListMemoriesQuery, SearchMemoriesBody, UpdateMemoryBody, WriteMemoriesBody, WriteMemoryBody } from './memories.dto';

/** The caller as the memory service sees it: the workspace (key's, or the session's header), the bound agent. */
export function memoryCallerOf(request: FastifyRequest): MemoryCaller {
  const auth = authOf(request);
  if (auth.workspaceId === null) throw new MnemoError('VALIDATION_ERROR', 'this route needs a workspace', { header: 'Mnemo-Workspace' });
  return { workspace_id: auth.workspaceId, principal: `${auth.principal.type}:${auth.principal.id}`, agent_id: auth.agentId, scopes: auth.scopes };
}

const etag = etagOf;

/**
 * Memories of the caller's workspace. Large answers are fetched from the service page by page (no NATS
 * message exceeds 1 MiB) and assembled here.
 */
@ApiTags('memories')
@ApiBearerAuth()
@Controller('v1')
export class MemoriesController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private call<T>(operation: string, payload: Record<string, unknown>, request: FastifyRequest): Promise<T> {
    return callService<T>(this.runtime.rpc, 'memory', operation, { caller: memoryCallerOf(request), ...payload }, request);
  }

  /** 201 when created; 200 with the same uuid when a path's document was replaced or the observation was already stored. */
  @Post('memories')
  async write(@Body() body: WriteMemoryBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<MemoryResource> {
    const written = await this.call<WriteMemoryReply>(MEMORY_RPC.writeMemory, { memory: body }, request);
    void reply.status(written.outcome === 'created' ? 201 : 200).header('ETag', etag(written.version));
    return written.memory;
  }

  @Post('memories/batch')
  async writeBatch(@Body() body: WriteMemoriesBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<WriteMemoriesReply> {
    // A batch near 1 MiB does not fit one NATS message with its envelope: its first memories are staged in parts.
    const parts = partsOf(body.memories.map((memory) => JSON.stringify(memory)), IMPORT_LIMITS.partBytes);
    let payload: Record<string, unknown> = { memories: body.memories };
    if (parts.length > 1) {
      const uploadId = uuidv7();
      const staged = parts.slice(0, -1);
      for (const [part, lines] of staged.entries()) await this.call(MEMORY_RPC.stageImport, { upload_id: uploadId, part, lines }, request);
      payload = { upload_id: uploadId, parts: staged.length, memories: parts[parts.length - 1].map((line) => JSON.parse(line) as unknown) };
    }
    const written = await this.call<WriteMemoriesReply>(MEMORY_RPC.writeMemories, payload, request);
    void reply.status(written.created > 0 ? 201 : 200);
    return written;
  }

  @Get('memories')
  async list(@Query() query: ListMemoriesQuery, @Req() request: FastifyRequest): Promise<MemoryPage> {
    const { tags, limit, ...filters } = query;
    const wanted = limit ?? 20;
    const memories: MemoryResource[] = [];
    let cursor = filters.cursor;
    // The service may stop a page early to stay under 1 MiB; ask again until the page is full.
    for (;;) {
      const page = await this.call<MemoryPage>(
        MEMORY_RPC.listMemories,
        { ...filters, cursor, limit: wanted - memories.length, ...(tags !== undefined ? { tags: tags.split(',').map((tag) => tag.trim()).filter(Boolean) } : {}) },
        request,
      );
      memories.push(...page.memories);
      cursor = page.next_cursor ?? undefined;
      if (!page.next_cursor || memories.length >= wanted || page.memories.length === 0) return { memories, next_cursor: page.next_cursor };
    }
  }

  @Get('memories/:uuid')
  async get(@Param('uuid') uuid: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<MemoryResource> {
    const found = await this.call<GetMemoryReply>(MEMORY_RPC.getMemory, { uuid }, request);
    void reply.header('ETag', etag(found.version));
    return found.memory;
  }

  @Patch('memories/:uuid')
  @ApiHeader({ name: 'If-Match', required: false, description: 'the ETag you read; a stale one answers 409 CONFLICT' })
  async update(
    @Param('uuid') uuid: string,
    @Body() body: UpdateMemoryBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MemoryResource> {
    const version = ifMatchVersion(ifMatch);
    const updated = await this.call<GetMemoryReply>(MEMORY_RPC.updateMemory, { uuid, patch: body, ...(version !== undefined ? { if_match_version: version } : {}) }, request);
    void reply.header('ETag', etag(updated.version));
    return updated.memory;
  }

  @Delete('memories/:uuid')
  @HttpCode(204)
  async delete(@Param('uuid') uuid: string, @Req() request: FastifyRequest): Promise<void> {
    await this.call(MEMORY_RPC.deleteMemory, { uuid }, request);
  }

  /** Ranked lexical search; every returned memory counts one recall. */
  @Post('memories/search')
  @HttpCode(200)
  async search(@Body() body: SearchMemoriesBody, @Req() request: FastifyRequest): Promise<SearchMemoriesReply> {
    const wanted = body.limit ?? 20;
    const results: SearchMemoriesReply['results'] = [];
    let cursor = body.cursor;
    for (;;) {
      const followUp = results.length > 0 ? { continued: true } : {};
      const page = await this.call<SearchMemoriesReply>(MEMORY_RPC.searchMemories, { ...body, cursor, limit: wanted - results.length, ...followUp }, request);
      results.push(...page.results);
      cursor = page.next_cursor ?? undefined;
      if (!page.next_cursor || results.length >= wanted || page.results.length === 0) return { results, next_cursor: page.next_cursor };
    }
  }

  @Post('context')
  @HttpCode(200)
  async context(@Body() body: BuildContextBody, @Req() request: FastifyRequest): Promise<BuildContextReply> {
    return this.call<BuildContextReply>(MEMORY_RPC.buildContext, { ...body }, request);
  }

  /** Teams are implicit: slugs with memories under /workspace/teams/<slug>/. */
  @Get('teams')
  async teams(@Req() request: FastifyRequest): Promise<ListTeamsReply> {
    return this.call<ListTeamsReply>(MEMORY_RPC.listTeams, {}, request);
  }
}
