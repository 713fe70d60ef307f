import { Controller, Inject } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import {
  AGENT_ID_PATTERN,
  MEMORY_LIMITS,
  MEMORY_RPC,
  memoryUrn,
  MnemoError,
  planLimits,
  SPACE_LIMITS,
  WORKSPACES_RPC,
  type ContextSpaceResource,
  type CreateSpaceRequest,
  type GetWorkspaceStandingReply,
  type ListSpaceMemoriesReply,
  type ListSpaceMemoriesRequest,
  type ListSpacesReply,
  type MemoryCaller,
  type RpcMetadata,
  type RpcReply,
  type SpaceRequest,
  type UpdateSpaceRequest,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import type { FieldProblem } from '../memory/memory.input';
import { applyMemoryFilters } from '../memory/memory.filters';
import { encodedSize, LIVE, loadVisibleMemories, MEMORY_COLUMNS, PAGE_BYTE_BUDGET, toMemoryResource, type MemoryRow } from '../memory/memory.rows';
import { checkCaller, pageLimit } from '../requests';
import { queryTerms, SearchIndex } from '../search/search-index';
import { agentGateSql } from './space.access';
import { decideSpace, type SpaceCommand } from './space.decide';
import { checkSpaceInput, type ValidSpaceInput } from './space.input';
import { projectSpaceEvents } from './space.projection';
import { findAccessibleSpace, SPACE_SELECT, toSpaceResource, type SpaceRow } from './space.rows';
import { asSpaceEvent, evolveSpace, initialSpaceState, spaceStreamId, type SpaceState } from './space.state';

function invalid(problems: FieldProblem[]): MnemoError {
  return new MnemoError('VALIDATION_ERROR', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), {
    fields: problems.map((p) => ({ field: p.field, problems: [p.problem] })),
  });
}

/**
 * Context spaces of the caller's workspace, exactly as novyx: create, list with total_count and memory_count,
 * get, partial update, soft delete, and the space's memories with q / tags / agent_id / limit / offset.
 * Cross-tenant grants (allowed_tenant_ids) are validated and stored; serving grantees, with the audit log of
 * every such access, is the next slice, so today a grantee sees 404 like any other workspace.
 */
@Controller()
export class SpaceHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SearchIndex) private readonly index: SearchIndex,
  ) {}

  /**
   * Grants need a plan with sharing, and name existing workspaces other than the owner: both asked of the
   * workspaces service now, as privilege-granting commands do.
   */
  private async sharingAllowed(caller: MemoryCaller, input: ValidSpaceInput): Promise<boolean> {
    const tenants = input.allowed_tenant_ids ?? [];
    if (tenants.length === 0) return true;
    const standing = async (workspaceId: number) =>
      this.runtime.rpc.call<GetWorkspaceStandingReply>('workspaces', WORKSPACES_RPC.getWorkspaceStanding, { workspace_id: workspaceId });
    const owner = await standing(caller.workspace_id);
    if (!owner.ok) throw new MnemoError(owner.error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'UNAVAILABLE', owner.error.message);
    if (!planLimits(owner.data.plan_name).sharing) return false;
    const grantees = await Promise.all(tenants.filter((id) => id !== caller.workspace_id).map(async (id) => [id, await standing(id)] as const));
    const missing = grantees.filter(([, reply]) => !reply.ok && reply.error.code === 'NOT_FOUND').map(([id]) => String(id));
    if (missing.length > 0) throw invalid([{ field: 'allowed_tenant_ids', problem: `no such workspace: ${missing.join(', ')}` }]);
    if (grantees.some(([, reply]) => !reply.ok)) throw new MnemoError('UNAVAILABLE', 'the workspaces service could not confirm the grantees; retry');
    return true;
  }

  /** Runs a command on a space stream; answers the space id (a replay answers the first request's). */
  private async decide(command: SpaceCommand, spaceId: string, metadata: RpcMetadata, idempotency?: { method: string; route: string; body: unknown }): Promise<RpcReply<string>> {
    const caller = command.caller as MemoryCaller;
    return this.runtime.store.handle<SpaceState, string>({
      streamId: spaceStreamId(spaceId),
      initialState: initialSpaceState,
      evolve: (state, event) => evolveSpace(state, asSpaceEvent(event)),
      decide: (state) => decideSpace(command, state) as never,
      owner: { workspaceId: String(caller.workspace_id) },
      actor: caller.principal,
      project: projectSpaceEvents,
      reply: () => spaceId,
      ...(idempotency && metadata.idempotencyKey
        ? { idempotency: { workspaceId: String(caller.workspace_id), principal: caller.principal, key: metadata.idempotencyKey, ...idempotency } }
        : {}),
    });
  }

  private async resource(spaceId: string): Promise<ContextSpaceResource> {
    const [row] = await this.runtime.orm.em.fork().execute<SpaceRow[]>(`${SPACE_SELECT} WHERE s.id = ?`, [spaceId]);
    return toSpaceResource(row);
  }

  @RpcHandler('memory', MEMORY_RPC.createSpace)
  async create(request: CreateSpaceRequest, metadata: RpcMetadata = {}): Promise<RpcReply<ContextSpaceResource>> {
    const caller = checkCaller(request.caller);
    const checked = checkSpaceInput(request.space, 'create');
    if (!checked.ok) throw invalid(checked.problems);
    const sharingAllowed = await this.sharingAllowed(caller, checked.value);
    const spaceId = uuidv7();
    const reply = await this.decide({ type: 'CreateSpace', spaceId, caller, input: checked.value, sharingAllowed }, spaceId, metadata, {
      method: 'POST',
      route: '/v1/context-spaces',
      body: request.space,
    });
    return reply.ok ? { ok: true, data: await this.resource(reply.data) } : reply;
  }

  /** Spaces of the caller's workspace whose agent gate it passes, oldest first. */
  @RpcHandler('memory', MEMORY_RPC.listSpaces)
  async list(request: { caller: MemoryCaller }): Promise<ListSpacesReply> {
    const caller = checkCaller(request.caller);
    const gate = agentGateSql('s', caller);
    const rows = await this.runtime.orm.em
      .fork()
      .execute<SpaceRow[]>(`${SPACE_SELECT} WHERE s.owner_workspace_id = ? AND s.deleted_at IS NULL AND ${gate.sql} ORDER BY s.id`, [caller.workspace_id, ...gate.params]);
    return { spaces: rows.map(toSpaceResource), total_count: rows.length };
  }

  @RpcHandler('memory', MEMORY_RPC.getSpace)
  async get(request: SpaceRequest): Promise<ContextSpaceResource> {
    const caller = checkCaller(request.caller);
    return toSpaceResource(await findAccessibleSpace(this.runtime.orm.em.fork(), caller, request.space_id));
  }

  /** PUT is partial: only the fields sent change. */
  @RpcHandler('memory', MEMORY_RPC.updateSpace)
  async update(request: UpdateSpaceRequest, metadata: RpcMetadata = {}): Promise<RpcReply<ContextSpaceResource>> {
    const caller = checkCaller(request.caller);
    const space = await findAccessibleSpace(this.runtime.orm.em.fork(), caller, request.space_id);
    const checked = checkSpaceInput(request.changes, 'update');
    if (!checked.ok) throw invalid(checked.problems);
    const sharingAllowed = await this.sharingAllowed(caller, checked.value);
    const reply = await this.decide({ type: 'UpdateSpace', spaceId: space.id, caller, changes: checked.value, sharingAllowed }, space.id, metadata, {
      method: 'PUT',
      route: `/v1/context-spaces/${space.id}`,
      body: request.changes,
    });
    return reply.ok ? { ok: true, data: await this.resource(space.id) } : reply;
  }

  /** Soft delete: the space answers 404 and leaves lists; its memories are kept. */
  @RpcHandler('memory', MEMORY_RPC.deleteSpace)
  async delete(request: SpaceRequest): Promise<RpcReply<{ deleted: true }>> {
    const caller = checkCaller(request.caller);
    const space = await findAccessibleSpace(this.runtime.orm.em.fork(), caller, request.space_id);
    const reply = await this.decide({ type: 'DeleteSpace', spaceId: space.id, caller }, space.id, {});
    return reply.ok ? { ok: true, data: { deleted: true } } : reply;
  }

  /**
   * The space's memories: ranked by the search when `q` is given, else newest first; `limit`/`offset` with the
   * `total_count` of all matches and the `filters` echo. A page stops early to stay under 1 MiB; the gateway
   * asks again from the next offset.
   */
  @RpcHandler('memory', MEMORY_RPC.listSpaceMemories)
  async memories(request: ListSpaceMemoriesRequest): Promise<ListSpaceMemoriesReply> {
    const caller = checkCaller(request.caller);
    const em = this.runtime.orm.em.fork();
    const space = await findAccessibleSpace(em, caller, request.space_id);
    const limit = pageLimit(request.limit, SPACE_LIMITS.memoriesLimit);
    const offset = pageLimit(request.offset, { min: 0, max: 1_000_000_000, default: 0 }, 'offset');
    const q = request.q === undefined || request.q === null || request.q.trim() === '' ? null : request.q;
    if (q !== null && q.length > MEMORY_LIMITS.queryChars) throw new MnemoError('VALIDATION_ERROR', `q must be at most ${MEMORY_LIMITS.queryChars} characters`, { field: 'q' });
    const tags = request.tags && request.tags.length > 0 ? request.tags : undefined;
    if (tags && (tags.length > MEMORY_LIMITS.maxTags || tags.some((tag) => typeof tag !== 'string' || tag.length > MEMORY_LIMITS.tagChars))) {
      throw new MnemoError('VALIDATION_ERROR', `tags must be at most ${MEMORY_LIMITS.maxTags} tags of at most ${MEMORY_LIMITS.tagChars} characters`, { field: 'tags' });
    }
    if (request.agent_id !== undefined && (typeof request.agent_id !== 'string' || !AGENT_ID_PATTERN.test(request.agent_id))) {
      throw new MnemoError('VALIDATION_ERROR', 'agent_id must be 1 to 64 characters of [A-Za-z0-9._:-]', { field: 'agent_id' });
    }
    const filters = { space_id: space.id, ...(tags ? { tags: { any: tags } } : {}), ...(request.agent_id !== undefined ? { agent_id: request.agent_id } : {}) };
    const echo = { space_id: memoryUrn(space.id), q, tags: tags ? tags.join(',') : null, agent_id: request.agent_id ?? null };

    let rows: MemoryRow[];
    let total: number;
    if (q !== null) {
      const query = { workspaceId: caller.workspace_id, viewer: caller, terms: queryTerms(q), filters };
      total = await this.index.count(em, query);
      const { hits } = await this.index.search(em, { ...query, limit, offset });
      const byId = await loadVisibleMemories(em, caller, hits.map((hit) => hit.id));
      rows = hits.flatMap((hit) => byId.get(hit.id) ?? []);
    } else {
      const where = ['workspace_id = ?', LIVE];
      const params: unknown[] = [caller.workspace_id];
      applyMemoryFilters(filters, where, params);
      const [{ count }] = await em.execute<{ count: string }[]>(`SELECT count(*) AS count FROM memories WHERE ${where.join(' AND ')}`, params);
      total = Number(count);
      rows = await em.execute<MemoryRow[]>(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ? OFFSET ?`, [...params, limit, offset]);
    }
    const memories = [];
    let bytes = 0;
    for (const row of rows) {
      const memory = toMemoryResource(row);
      bytes += encodedSize(memory);
      if (memories.length > 0 && bytes > PAGE_BYTE_BUDGET) break;
      memories.push(memory);
    }
    return { memories, total_count: total, filters: echo };
  }
}
