import { Controller, Inject } from '@nestjs/common';
import {
  IMPORT_LIMITS,
  MEMORY_LIMITS,
  MEMORY_RPC,
  memoryUrn,
  MnemoError,
  parseMemoryUuid,
  type GetMemoryReply,
  type ListMemoriesRequest,
  type MemoryCaller,
  type MemoryPage,
  type MemoryRequest,
  type RpcMetadata,
  type RpcReply,
  type UpdateMemoryRequest,
  type WriteMemoriesReply,
  type WriteMemoriesRequest,
  type WriteMemoryReply,
  type WriteMemoryRequest,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { checkCaller, decodeCursor, encodeCursor, pageLimit } from '../requests';
import { checkMemoryInput, checkMemoryPatch, type FieldProblem, type ValidMemoryInput } from './memory.input';
import { applyMemoryFilters } from './memory.filters';
import { encodedSize, findLiveMemory, LIVE, MEMORY_COLUMNS, PAGE_BYTE_BUDGET, toMemoryResource, type MemoryRow } from './memory.rows';
import { MemoryWrites, type IdempotencyOptions } from './memory.writes';
import { visibleMemoriesSql } from '../space/space.access';
import { resolveSpaceFilter } from '../space/space.rows';
import { checkUpload, dropStaged, stagedLines } from '../export/staged-parts';

function notFound(): MnemoError {
  return new MnemoError('NOT_FOUND', 'no such memory');
}

function invalid(problems: FieldProblem[], index?: number): MnemoError {
  const prefix = index === undefined ? '' : `memories[${index}].`;
  return new MnemoError('VALIDATION_ERROR', problems.map((p) => `${prefix}${p.field}: ${p.problem}`).join('; '), {
    fields: problems.map((p) => ({ field: p.field, problems: [p.problem] })),
  });
}

function idempotencyOf(metadata: RpcMetadata, method: string, route: string, body: unknown): IdempotencyOptions | undefined {
  return metadata.idempotencyKey ? { method, route, key: metadata.idempotencyKey, body } : undefined;
}

/** Memories: single and batch writes, list, get, patch and delete, all within the caller's workspace. */
@Controller()
export class MemoryHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(MemoryWrites) private readonly writes: MemoryWrites,
  ) {}

  @RpcHandler('memory', MEMORY_RPC.writeMemory)
  async write(request: WriteMemoryRequest, metadata: RpcMetadata = {}): Promise<RpcReply<WriteMemoryReply>> {
    const caller = checkCaller(request.caller);
    const checked = checkMemoryInput(request.memory, new Date());
    if (!checked.ok) throw invalid(checked.problems);
    return this.writes.run(caller, idempotencyOf(metadata, 'POST', '/v1/memories', request.memory), async (tx) => {
      const [result] = await this.writes.writeAll(tx, caller, [checked.value], false);
      const row = (await findLiveMemory(tx, caller, result.uuid))!;
      return { outcome: result.outcome, memory: toMemoryResource(row), version: row.version };
    }, 1);
  }

  /** All or nothing: every item is checked first and every problem reported with its index. */
  @RpcHandler('memory', MEMORY_RPC.writeMemories)
  async writeBatch(request: WriteMemoriesRequest, metadata: RpcMetadata = {}): Promise<RpcReply<WriteMemoriesReply>> {
    const caller = checkCaller(request.caller);
    const em = this.runtime.orm.em.fork();
    const upload = request.upload_id === undefined ? undefined : checkUpload(request.upload_id, request.parts ?? 0, IMPORT_LIMITS.maxParts);
    try {
      const staged = upload ? (await stagedLines(em, caller, upload)).map((line) => JSON.parse(line) as unknown) : [];
      return await this.writeItems(caller, Array.isArray(request.memories) ? [...staged, ...request.memories] : request.memories, metadata);
    } finally {
      if (upload) await dropStaged(em, caller, upload.uploadId);
    }
  }

  private async writeItems(caller: MemoryCaller, items: unknown, metadata: RpcMetadata): Promise<RpcReply<WriteMemoriesReply>> {
    if (!Array.isArray(items) || items.length === 0 || items.length > MEMORY_LIMITS.batchItems) {
      throw new MnemoError('VALIDATION_ERROR', `memories must be a list of 1 to ${MEMORY_LIMITS.batchItems} memories`);
    }
    const now = new Date();
    const valid: ValidMemoryInput[] = [];
    const problems: { index: number; field: string; problem: string }[] = [];
    items.forEach((item, index) => {
      const checked = checkMemoryInput(item, now);
      if (checked.ok) valid.push(checked.value);
      else problems.push(...checked.problems.map((p) => ({ index, ...p })));
    });
    if (problems.length > 0) {
      const shown = problems.slice(0, 100);
      throw new MnemoError('VALIDATION_ERROR', `${new Set(problems.map((p) => p.index)).size} of ${items.length} memories are invalid; nothing was stored`, {
        items: shown,
        ...(problems.length > shown.length ? { more: problems.length - shown.length } : {}),
      });
    }
    return this.writes.run(caller, idempotencyOf(metadata, 'POST', '/v1/memories/batch', { memories: items }), async (tx) => {
      const results = await this.writes.writeAll(tx, caller, valid, true);
      const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
      return {
        results: results.map((r, index) => ({ index, uuid: memoryUrn(r.uuid), outcome: r.outcome })),
        created: count('created'),
        updated: count('updated'),
        deduplicated: count('deduplicated'),
      };
    }, valid.length);
  }

  @RpcHandler('memory', MEMORY_RPC.getMemory)
  async get(request: MemoryRequest): Promise<GetMemoryReply> {
    const caller = checkCaller(request.caller);
    const id = parseMemoryUuid(request.uuid);
    if (!id) throw notFound();
    const row = await findLiveMemory(this.runtime.orm.em.fork(), caller, id);
    if (!row) throw notFound();
    return { memory: toMemoryResource(row), version: row.version };
  }

  @RpcHandler('memory', MEMORY_RPC.updateMemory)
  async update(request: UpdateMemoryRequest, metadata: RpcMetadata = {}): Promise<RpcReply<GetMemoryReply>> {
    const caller = checkCaller(request.caller);
    const id = parseMemoryUuid(request.uuid);
    if (!id) throw notFound();
    const checked = checkMemoryPatch(request.patch, new Date());
    if (!checked.ok) throw invalid(checked.problems);
    const ifMatch = request.if_match_version;
    return this.writes.run(caller, idempotencyOf(metadata, 'PATCH', `/v1/memories/${id}`, request.patch), async (tx) => {
      const row = await this.writes.patch(tx, caller, id, checked.value, ifMatch);
      return { memory: toMemoryResource(row), version: row.version };
    }, 1);
  }

  @RpcHandler('memory', MEMORY_RPC.deleteMemory)
  async delete(request: MemoryRequest): Promise<RpcReply<{ deleted: true }>> {
    const caller = checkCaller(request.caller);
    const id = parseMemoryUuid(request.uuid);
    if (!id) throw notFound();
    return this.writes.run(caller, undefined, async (tx) => {
      await this.writes.delete(tx, caller, id);
      return { deleted: true as const };
    });
  }

  /** Newest first, keyset-paged by uuid (UUIDv7 orders by creation); a page stops early to stay under 1 MiB. */
  @RpcHandler('memory', MEMORY_RPC.listMemories)
  async list(request: ListMemoriesRequest): Promise<MemoryPage> {
    const caller = checkCaller(request.caller);
    const limit = pageLimit(request.limit, MEMORY_LIMITS.listLimit);
    const em = this.runtime.orm.em.fork();
    const visible = visibleMemoriesSql('memories', caller);
    const where = ['workspace_id = ?', LIVE, visible.sql];
    const params: unknown[] = [caller.workspace_id, ...visible.params];
    if (request.cursor !== undefined) {
      const after = parseMemoryUuid(decodeCursor(request.cursor).after);
      if (!after) throw new MnemoError('VALIDATION_ERROR', 'cursor is not valid', { field: 'cursor' });
      where.push('id < ?');
      params.push(after);
    }
    const spaceId = request.space_id === undefined ? undefined : await resolveSpaceFilter(em, caller, request.space_id);
    applyMemoryFilters({ ...request, space_id: spaceId }, where, params);
    const rows = await em.execute<MemoryRow[]>(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, [...params, limit + 1]);
    const page = rows.slice(0, limit);
    const memories = [];
    let bytes = 0;
    for (const row of page) {
      const memory = toMemoryResource(row);
      bytes += encodedSize(memory);
      if (memories.length > 0 && bytes > PAGE_BYTE_BUDGET) break;
      memories.push(memory);
    }
    const more = memories.length < page.length || rows.length > limit;
    return { memories, next_cursor: more ? encodeCursor({ after: page[memories.length - 1].id }) : null };
  }
}
