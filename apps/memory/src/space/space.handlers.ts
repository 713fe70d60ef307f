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
  type AuditAction,
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
import { characterCount, type FieldProblem } from '../memory/memory.input';
import { applyMemoryFilters } from '../memory/memory.filters';
import { encodedSize, LIVE, loadVisibleMemories, MEMORY_COLUMNS, PAGE_BYTE_BUDGET, toMemoryResource, type MemoryRow } from '../memory/memory.rows';
import { checkCaller, pageLimit } from '../requests';
import { queryTerms, SearchIndex } from '../search/search-index';
import { UsageMeter } from '../usage/usage-meter';
import { AuditUnavailable, callerActor, AuditLog, type AuditEntry } from '../audit/audit-log';
import { WorkspaceStandings } from '../standing/workspace-standings';
import { agentGateSql, decideSpaceChange, decideSpaceRead, grantedAgentId, type SpaceAccess } from './space.access';
import { decideSpace, spaceStreamId, type SpaceCommand } from './space.decide';
import { checkSpaceInput, type ValidSpaceInput } from './space.input';
import { projectSpaceEvents } from './space.projection';
import { findLiveSpace, findSpaceOf, SPACE_SELECT, toSpaceResource, type SpaceRow } from './space.rows';
import { asSpaceEvent, evolveSpace, initialSpaceState, type SpaceState } from './space.state';

function invalid(problems: FieldProblem[]): MnemoError {
  return new MnemoError('VALIDATION_ERROR', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), {
    fields: problems.map((p) => ({ field: p.field, problems: [p.problem] })),
  });
}

const SPACE_ACTIONS: Record<string, AuditAction> = { 'space.created': 'space.created', 'space.updated': 'space.updated', 'space.deleted': 'space.deleted' };

/**
 * Context spaces exactly as novyx: create, list with total_count and memory_count, get, partial update, soft
 * delete, and the space's memories with q / tags / agent_id / limit / offset. These routes are the only way
 * across the tenant boundary (DESIGN.md): a workspace in `allowed_tenant_ids` reads (get, list, memories) while
 * the owner is in good standing with sharing in its plan; only the owner writes. Every read by another
 * workspace, every refused attempt and every change of a space lands in the owner's audit chain before the
 * answer leaves (fail closed: 503 when it cannot).
 */
@Controller()
export class SpaceHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SearchIndex) private readonly index: SearchIndex,
    @Inject(UsageMeter) private readonly usage: UsageMeter,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(WorkspaceStandings) private readonly standings: WorkspaceStandings,
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

  /**
   * Runs a command on a space stream of the caller's workspace (only owners change spaces); answers the space id
   * (a replay answers the first request's).
   */
  private async decide(command: SpaceCommand, spaceId: string, metadata: RpcMetadata, idempotency?: { method: string; route: string; body: unknown }): Promise<RpcReply<string>> {
    const caller = command.caller as MemoryCaller;
    return this.runtime.store.handle<SpaceState, string>({
      streamId: spaceStreamId(caller.workspace_id, spaceId),
      initialState: initialSpaceState,
      evolve: (state, event) => evolveSpace(state, asSpaceEvent(event)),
      decide: (state) => decideSpace(command, state) as never,
      owner: { workspaceId: String(caller.workspace_id) },
      actor: caller.principal,
      // The change and its audit record commit together; the chain head is locked last.
      project: async (em, events) => {
        await projectSpaceEvents(em, events);
        await this.auditInTransaction(em, events.map((event) => ({
          ownerWorkspaceId: caller.workspace_id,
          ...callerActor(caller),
          action: SPACE_ACTIONS[event.type],
          resourceType: 'context_space' as const,
          resourceId: memoryUrn(spaceId),
          outcome: 'allowed' as const,
          crossTenant: false,
          requestId: metadata.requestId ?? null,
        })));
      },
      reply: () => spaceId,
      ...(idempotency && metadata.idempotencyKey
        ? { idempotency: { workspaceId: String(caller.workspace_id), principal: caller.principal, key: metadata.idempotencyKey, ...idempotency } }
        : {}),
    }).catch((error: unknown) => {
      if (error instanceof AuditUnavailable) throw error.toMnemoError();
      throw error;
    });
  }

  private async auditInTransaction(em: Parameters<AuditLog['append']>[0], entries: AuditEntry[]): Promise<void> {
    try {
      await this.audit.append(em, entries);
    } catch (error) {
      throw new AuditUnavailable(error);
    }
  }

  /**
   * A live space the caller may read, with its role; otherwise the refusal — recorded in the owner's chain
   * first (coalesced per actor, space and window) when the space exists. An unknown space is 404 and recorded
   * nowhere: there is no owner to tell.
   */
  private async readableSpace(caller: MemoryCaller, rawId: unknown, action: AuditAction, metadata: RpcMetadata, mode: 'read' | 'change' = 'read'): Promise<{ row: SpaceRow; role: 'owner' | 'grantee' }> {
    const row = await findLiveSpace(this.runtime.orm.em.fork(), caller, rawId);
    if (!row) throw new MnemoError('NOT_FOUND', 'no such context space');
    const isGrantee = mode === 'read' && row.owner_workspace_id !== caller.workspace_id && row.allowed_tenant_ids.includes(caller.workspace_id);
    const ownerStanding = isGrantee ? await this.standings.get(row.owner_workspace_id).catch((error: unknown) => {
      if (error instanceof MnemoError && error.code === 'NOT_FOUND') return null;
      throw error;
    }) : null;
    const access: SpaceAccess = mode === 'read' ? decideSpaceRead(row, caller, ownerStanding) : decideSpaceChange(row, caller);
    if (access.allowed) return { row, role: access.role };
    await this.audit.recordRefusal({
      actor: `${caller.workspace_id}/${caller.principal}`,
      ownerWorkspaceId: row.owner_workspace_id,
      ...callerActor(caller),
      action,
      resourceType: 'context_space',
      resourceId: memoryUrn(row.id),
      outcome: 'refused',
      crossTenant: row.owner_workspace_id !== caller.workspace_id,
      requestId: metadata.requestId ?? null,
    });
    throw refusalOf(access);
  }

  /** A grantee's read is recorded (and committed) before its answer leaves; the owner's own reads are not. */
  private async auditRead(caller: MemoryCaller, row: SpaceRow, role: 'owner' | 'grantee', action: AuditAction, metadata: RpcMetadata): Promise<void> {
    if (role === 'owner') return;
    await this.audit.record([
      {
        ownerWorkspaceId: row.owner_workspace_id,
        ...callerActor(caller),
        action,
        resourceType: 'context_space',
        resourceId: memoryUrn(row.id),
        outcome: 'allowed',
        crossTenant: true,
        requestId: metadata.requestId ?? null,
      },
    ]);
  }

  private async resource(ownerWorkspaceId: number, spaceId: string): Promise<ContextSpaceResource> {
    return toSpaceResource((await findSpaceOf(this.runtime.orm.em.fork(), ownerWorkspaceId, spaceId))!);
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
    return reply.ok ? { ok: true, data: await this.resource(caller.workspace_id, reply.data) } : reply;
  }

  /**
   * Spaces of the caller's workspace whose agent gate it passes, and spaces granted to it whose grantee gate it
   * passes while their owner's grants are active; oldest first. Listing shows names, not memories: it is not
   * audited (reading a granted space or its memories is).
   */
  @RpcHandler('memory', MEMORY_RPC.listSpaces)
  async list(request: { caller: MemoryCaller }): Promise<ListSpacesReply> {
    const caller = checkCaller(request.caller);
    const gate = agentGateSql('s', caller);
    const em = this.runtime.orm.em.fork();
    const own = await em.execute<SpaceRow[]>(`${SPACE_SELECT} WHERE s.owner_workspace_id = ? AND s.deleted_at IS NULL AND ${gate.sql} ORDER BY s.id`, [caller.workspace_id, ...gate.params]);
    const granted = await em.execute<SpaceRow[]>(
      `${SPACE_SELECT} WHERE s.allowed_tenant_ids @> ARRAY[?]::int[] AND s.owner_workspace_id <> ? AND s.deleted_at IS NULL
         AND (cardinality(s.allowed_agent_ids) = 0 OR s.allowed_agent_ids @> ARRAY[?]::text[]) ORDER BY s.id`,
      [caller.workspace_id, caller.workspace_id, caller.agent_id === null ? '' : grantedAgentId(caller.workspace_id, caller.agent_id)],
    );
    const owners = new Map<number, Awaited<ReturnType<WorkspaceStandings['get']>> | null>();
    for (const owner of new Set(granted.map((row) => row.owner_workspace_id))) {
      owners.set(owner, await this.standings.get(owner).catch((error: unknown) => {
        if (error instanceof MnemoError && error.code === 'NOT_FOUND') return null;
        throw error;
      }));
    }
    const readable = granted.filter((row) => decideSpaceRead(row, caller, owners.get(row.owner_workspace_id) ?? null).allowed);
    const spaces = [...own, ...readable].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { spaces: spaces.map((row) => toSpaceResource(row, caller.workspace_id)), total_count: spaces.length };
  }

  @RpcHandler('memory', MEMORY_RPC.getSpace)
  async get(request: SpaceRequest, metadata: RpcMetadata = {}): Promise<ContextSpaceResource> {
    const caller = checkCaller(request.caller);
    const { row, role } = await this.readableSpace(caller, request.space_id, 'space.read', metadata);
    await this.auditRead(caller, row, role, 'space.read', metadata);
    return toSpaceResource(row, caller.workspace_id);
  }

  /** PUT is partial: only the fields sent change. */
  @RpcHandler('memory', MEMORY_RPC.updateSpace)
  async update(request: UpdateSpaceRequest, metadata: RpcMetadata = {}): Promise<RpcReply<ContextSpaceResource>> {
    const caller = checkCaller(request.caller);
    const { row: space } = await this.readableSpace(caller, request.space_id, 'space.updated', metadata, 'change');
    const checked = checkSpaceInput(request.changes, 'update');
    if (!checked.ok) throw invalid(checked.problems);
    const sharingAllowed = await this.sharingAllowed(caller, checked.value);
    const reply = await this.decide({ type: 'UpdateSpace', spaceId: space.id, caller, changes: checked.value, sharingAllowed }, space.id, metadata, {
      method: 'PUT',
      route: `/v1/context-spaces/${space.id}`,
      body: request.changes,
    });
    return reply.ok ? { ok: true, data: await this.resource(space.owner_workspace_id, space.id) } : reply;
  }

  /** Soft delete: the space answers 404 and leaves lists; its memories are kept. */
  @RpcHandler('memory', MEMORY_RPC.deleteSpace)
  async delete(request: SpaceRequest, metadata: RpcMetadata = {}): Promise<RpcReply<{ deleted: true }>> {
    const caller = checkCaller(request.caller);
    const { row: space } = await this.readableSpace(caller, request.space_id, 'space.deleted', metadata, 'change');
    const reply = await this.decide({ type: 'DeleteSpace', spaceId: space.id, caller }, space.id, { requestId: metadata.requestId });
    return reply.ok ? { ok: true, data: { deleted: true } } : reply;
  }

  /**
   * The space's memories: ranked by the search when `q` is given, else newest first; `limit`/`offset` with the
   * `total_count` of all matches and the `filters` echo. A page stops early to stay under 1 MiB; the gateway
   * asks again from the next offset with `continued`, and that follow-up of the same request is not audited
   * again. A grantee reads the owner's memories of this space only, as a reader that passed the space's gate.
   */
  @RpcHandler('memory', MEMORY_RPC.listSpaceMemories)
  async memories(request: ListSpaceMemoriesRequest, metadata: RpcMetadata = {}): Promise<ListSpaceMemoriesReply> {
    const caller = checkCaller(request.caller);
    const em = this.runtime.orm.em.fork();
    const { row: space, role } = await this.readableSpace(caller, request.space_id, 'space.memories_listed', metadata);
    // The access was decided above; the queries below read the owner's rows of this one space.
    const reader = { workspace_id: space.owner_workspace_id, agent_id: null, scopes: ['spaces:admin' as const] };
    const limit = pageLimit(request.limit, SPACE_LIMITS.memoriesLimit);
    const offset = pageLimit(request.offset, { min: 0, max: 1_000_000_000, default: 0 }, 'offset');
    const q = request.q === undefined || request.q === null || request.q.trim() === '' ? null : request.q;
    if (q !== null && characterCount(q) > MEMORY_LIMITS.queryChars) throw new MnemoError('VALIDATION_ERROR', `q must be at most ${MEMORY_LIMITS.queryChars} characters`, { field: 'q' });
    const tags = request.tags && request.tags.length > 0 ? request.tags : undefined;
    if (tags && (tags.length > MEMORY_LIMITS.maxTags || tags.some((tag) => typeof tag !== 'string' || characterCount(tag) > MEMORY_LIMITS.tagChars))) {
      throw new MnemoError('VALIDATION_ERROR', `tags must be at most ${MEMORY_LIMITS.maxTags} tags of at most ${MEMORY_LIMITS.tagChars} characters`, { field: 'tags' });
    }
    if (request.agent_id !== undefined && (typeof request.agent_id !== 'string' || !AGENT_ID_PATTERN.test(request.agent_id))) {
      throw new MnemoError('VALIDATION_ERROR', 'agent_id must be 1 to 64 characters of [A-Za-z0-9._:-]', { field: 'agent_id' });
    }
    // One retrieve per call, paid by the reader's workspace; the gateway's follow-up pages of one call are free.
    if (!request.continued) await this.usage.charge(caller, 'retrieves');
    const filters = { space_id: space.id, ...(tags ? { tags: { any: tags } } : {}), ...(request.agent_id !== undefined ? { agent_id: request.agent_id } : {}) };
    const echo = { space_id: memoryUrn(space.id), q, tags: tags ? tags.join(',') : null, agent_id: request.agent_id ?? null };

    let rows: MemoryRow[];
    let total: number;
    if (q !== null) {
      const query = { workspaceId: reader.workspace_id, viewer: reader, terms: queryTerms(q), filters };
      total = await this.index.count(em, query);
      const { hits } = await this.index.search(em, { ...query, limit, offset });
      const byId = await loadVisibleMemories(em, reader, hits.map((hit) => hit.id));
      rows = hits.flatMap((hit) => byId.get(hit.id) ?? []);
    } else {
      const where = ['workspace_id = ?', LIVE];
      const params: unknown[] = [reader.workspace_id];
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
    if (!request.continued) await this.auditRead(caller, space, role, 'space.memories_listed', metadata);
    return { memories, total_count: total, filters: echo };
  }
}

function refusalOf(access: Extract<SpaceAccess, { allowed: false }>): MnemoError {
  switch (access.code) {
    case 'NOT_FOUND':
      return new MnemoError('NOT_FOUND', 'no such context space');
    case 'OWNER_ONLY':
      return new MnemoError('OWNER_ONLY', 'only the space owner can change or delete it', { reason: access.reason });
    default: {
      const messages: Record<string, string> = {
        agent_not_allowed: 'you do not have access to this space',
        owner_suspended: "the space's owner workspace is suspended; its grants are inactive",
        sharing_not_in_plan: "the space's owner plan has no sharing; its grants are inactive until it upgrades",
      };
      return new MnemoError('FORBIDDEN', messages[access.reason] ?? 'you do not have access to this space', { reason: access.reason });
    }
  }
}
