import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { MEMORY_RPC, type ContextSpaceResource, type ListSpaceMemoriesReply, type ListSpacesReply } from '@mnemo/contracts';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { memoryCallerOf } from './memories.controller';
import { CreateSpaceBody, SpaceMemoriesQuery, UpdateSpaceBody } from './spaces.dto';

/** Context spaces (novyx): named slices of a workspace's memory, gated by agent and shareable with other workspaces. */
@ApiTags('context-spaces')
@ApiBearerAuth()
@Controller('v1/context-spaces')
export class SpacesController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private call<T>(operation: string, payload: Record<string, unknown>, request: FastifyRequest): Promise<T> {
    return callService<T>(this.runtime.rpc, 'memory', operation, { caller: memoryCallerOf(request), ...payload }, request);
  }

  @Post()
  async create(@Body() body: CreateSpaceBody, @Req() request: FastifyRequest): Promise<ContextSpaceResource> {
    return this.call(MEMORY_RPC.createSpace, { space: body }, request);
  }

  @Get()
  async list(@Req() request: FastifyRequest): Promise<ListSpacesReply> {
    return this.call(MEMORY_RPC.listSpaces, {}, request);
  }

  @Get(':space_id')
  async get(@Param('space_id') spaceId: string, @Req() request: FastifyRequest): Promise<ContextSpaceResource> {
    return this.call(MEMORY_RPC.getSpace, { space_id: spaceId }, request);
  }

  @Put(':space_id')
  async update(@Param('space_id') spaceId: string, @Body() body: UpdateSpaceBody, @Req() request: FastifyRequest): Promise<ContextSpaceResource> {
    return this.call(MEMORY_RPC.updateSpace, { space_id: spaceId, changes: body }, request);
  }

  @Delete(':space_id')
  @HttpCode(204)
  async delete(@Param('space_id') spaceId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.call(MEMORY_RPC.deleteSpace, { space_id: spaceId }, request);
  }

  /** Up to 1000 memories: fetched from the service in pages under NATS's 1 MiB and assembled here. */
  @Get(':space_id/memories')
  async memories(@Param('space_id') spaceId: string, @Query() query: SpaceMemoriesQuery, @Req() request: FastifyRequest): Promise<ListSpaceMemoriesReply> {
    const { tags, limit, offset, ...filters } = query;
    const wanted = limit ?? 100;
    const start = offset ?? 0;
    const payload = { space_id: spaceId, ...filters, ...(tags !== undefined ? { tags: tags.split(',').map((tag) => tag.trim()).filter(Boolean) } : {}) };
    const first = await this.call<ListSpaceMemoriesReply>(MEMORY_RPC.listSpaceMemories, { ...payload, limit: wanted, offset: start }, request);
    const memories = [...first.memories];
    while (memories.length < wanted && start + memories.length < first.total_count) {
      const page = await this.call<ListSpaceMemoriesReply>(MEMORY_RPC.listSpaceMemories, { ...payload, limit: wanted - memories.length, offset: start + memories.length, continued: true }, request);
      if (page.memories.length === 0) break;
      memories.push(...page.memories);
    }
    return { memories, total_count: first.total_count, filters: first.filters };
  }
}
