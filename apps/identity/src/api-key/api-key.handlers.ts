import { Controller, Inject } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import {
  IDENTITY_RPC,
  keyDisplayPrefix,
  mintApiKey,
  MnemoError,
  planLimits,
  SCOPES,
  SCOPES_BY_ROLE,
  WORKSPACES_RPC,
  type ApiKeyResource,
  type CreateApiKeyRequest,
  type GetAccessReply,
  type GetWorkspaceStandingReply,
  type KeyOperationCaller,
  type KeyRequest,
  type PlanName,
  type RpcMetadata,
  type RpcReply,
  type Scope,
  type UpdateApiKeyRequest,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { digest } from '../credential/secrets';
import { decideApiKey, type ApiKeyCommand, type VerifiedCaller } from './api-key.decide';
import { apiKeyStreamId, initialApiKeyState, type ApiKeyState } from './api-key.events';
import { evolveApiKey } from './api-key.evolve';
import { projectApiKeyEvents } from './api-key.projection';

/** After a rotation the old secret keeps working this long, so deployments can roll over. */
const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;
const AGENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

interface ApiKeyRow {
  id: string;
  workspace_id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  agent_id: string | null;
  enabled: boolean;
  expires_at: Date | null;
  last_used_at: Date | null;
  created_at: Date;
  created_by: string;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

function toResource(row: ApiKeyRow, key?: string): ApiKeyResource {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    agent_id: row.agent_id,
    enabled: row.enabled,
    expires_at: iso(row.expires_at),
    last_used_at: iso(row.last_used_at),
    created_at: new Date(row.created_at).toISOString(),
    created_by: row.created_by,
    ...(key ? { key } : {}),
  };
}

const COLUMNS = 'id, workspace_id, name, prefix, scopes, agent_id, enabled, expires_at, last_used_at, created_at, created_by';

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length < 1 || name.length > 100) throw new MnemoError('VALIDATION_ERROR', 'name must be 1 to 100 characters');
  return name;
}

/** API keys: minted, listed, renamed, disabled, rotated and revoked for one workspace. */
@Controller()
export class ApiKeyHandlers {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  /**
   * Who is asking, checked now with the workspaces service: a session user's scopes come from their current
   * role; a key's from the key. Also the workspace's plan, which caps the number of keys.
   */
  private async verify(workspaceId: number, caller: KeyOperationCaller): Promise<{ by: VerifiedCaller; plan: PlanName }> {
    if (caller.kind === 'session') {
      const access = await this.runtime.rpc.call<GetAccessReply>('workspaces', WORKSPACES_RPC.getAccess, { workspace_id: workspaceId, user_id: caller.user_id });
      if (!access.ok) throw new MnemoError(access.error.code, access.error.message, access.error.details);
      return { by: { caller, scopes: SCOPES_BY_ROLE[access.data.role], userId: caller.user_id }, plan: access.data.plan_name };
    }
    const standing = await this.runtime.rpc.call<GetWorkspaceStandingReply>('workspaces', WORKSPACES_RPC.getWorkspaceStanding, { workspace_id: workspaceId });
    if (!standing.ok) throw new MnemoError(standing.error.code, standing.error.message, standing.error.details);
    return { by: { caller, scopes: caller.scopes, userId: caller.created_by }, plan: standing.data.plan_name };
  }

  private async row(em: EntityManager, keyId: string): Promise<ApiKeyRow> {
    const [row] = await em.execute<ApiKeyRow[]>(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`, [keyId]);
    return row;
  }

  /** With an Idempotency-Key, a retry answers the same key resource, without the secret (never stored). */
  @RpcHandler('identity', IDENTITY_RPC.createApiKey)
  async create(request: CreateApiKeyRequest, metadata: RpcMetadata = {}): Promise<RpcReply<ApiKeyResource>> {
    const name = checkName(request.name);
    if (!Array.isArray(request.scopes) || request.scopes.some((scope) => !(SCOPES as readonly string[]).includes(scope))) {
      throw new MnemoError('VALIDATION_ERROR', `scopes must be a list of ${SCOPES.join(', ')}`);
    }
    const agentId = request.agent_id ?? null;
    if (agentId !== null && (typeof agentId !== 'string' || !AGENT_ID.test(agentId))) {
      throw new MnemoError('VALIDATION_ERROR', 'agent_id must be 1 to 64 characters of [A-Za-z0-9._:-]');
    }
    const expiresAt = request.expires_at ? new Date(request.expires_at) : null;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new MnemoError('VALIDATION_ERROR', 'expires_at must be an ISO 8601 time');
    const { by, plan } = await this.verify(request.workspace_id, request.caller);
    const keyId = uuidv7();
    const key = mintApiKey();
    const reply = await this.runtime.store.handle<ApiKeyState, ApiKeyResource>({
      streamId: apiKeyStreamId(keyId),
      initialState: initialApiKeyState,
      evolve: evolveApiKey,
      decide: (state) =>
        decideApiKey(
          {
            type: 'create',
            workspaceId: request.workspace_id,
            name,
            scopes: request.scopes,
            agentId,
            expiresAt: expiresAt?.toISOString() ?? null,
            prefix: keyDisplayPrefix(key),
            by,
            now: new Date(),
          },
          state,
        ),
      owner: { workspaceId: String(request.workspace_id) },
      actor: actorOf(request.caller),
      project: async (em, events) => {
        // The cap holds under concurrency: the counter row is locked until this transaction ends.
        await em.execute('INSERT INTO key_counters (workspace_id) VALUES (?) ON CONFLICT DO NOTHING', [request.workspace_id]);
        const [{ live_keys: live }] = await em.execute<{ live_keys: number }[]>('SELECT live_keys FROM key_counters WHERE workspace_id = ? FOR UPDATE', [
          request.workspace_id,
        ]);
        const limit = planLimits(plan).maxApiKeys;
        if (live >= limit) {
          throw new MnemoError('PLAN_UPGRADE_REQUIRED', `the ${plan} plan allows ${limit} API keys per workspace; revoke one or upgrade`, { limit, plan_name: plan });
        }
        await em.execute('UPDATE key_counters SET live_keys = live_keys + 1 WHERE workspace_id = ?', [request.workspace_id]);
        await projectApiKeyEvents(em, events);
        await em.execute('INSERT INTO api_key_secrets (hash, key_id) VALUES (?, ?)', [digest(key), keyId]);
      },
      reply: (state, _version, appended) => ({
        id: keyId,
        name: state.name!,
        prefix: keyDisplayPrefix(key),
        scopes: state.scopes,
        agent_id: state.agentId,
        enabled: state.enabled,
        expires_at: state.expiresAt,
        last_used_at: null,
        created_at: appended[0].occurredAt,
        created_by: state.createdBy!,
        key,
      }),
      ...(metadata.idempotencyKey
        ? {
            idempotency: {
              workspaceId: String(request.workspace_id),
              principal: actorOf(request.caller),
              method: 'POST',
              route: '/v1/workspaces/:id/api-keys',
              key: metadata.idempotencyKey,
              body: { name: request.name, scopes: request.scopes, agent_id: request.agent_id ?? null, expires_at: request.expires_at ?? null },
              redact: ({ key: _secret, ...resource }: ApiKeyResource) => resource,
            },
          }
        : {}),
    });
    return reply;
  }

  @RpcHandler('identity', IDENTITY_RPC.listApiKeys)
  async list(request: { workspace_id: number; caller: KeyOperationCaller }): Promise<{ api_keys: ApiKeyResource[] }> {
    const { by } = await this.verify(request.workspace_id, request.caller);
    if (!by.scopes.includes('workspace:admin')) throw new MnemoError('FORBIDDEN', 'listing API keys needs the workspace:admin scope');
    const agentOnly = request.caller.kind === 'key' ? request.caller.agent_id : null;
    const rows = await this.runtime.orm.em
      .fork()
      .execute<ApiKeyRow[]>(
        `SELECT ${COLUMNS} FROM api_keys WHERE workspace_id = ? AND revoked_at IS NULL ${agentOnly ? 'AND agent_id = ?' : ''} ORDER BY created_at, id`,
        agentOnly ? [request.workspace_id, agentOnly] : [request.workspace_id],
      );
    return { api_keys: rows.map((row) => toResource(row)) };
  }

  @RpcHandler('identity', IDENTITY_RPC.updateApiKey)
  async update(request: UpdateApiKeyRequest): Promise<ApiKeyResource> {
    if (request.name !== undefined) checkName(request.name);
    if (request.enabled !== undefined && typeof request.enabled !== 'boolean') throw new MnemoError('VALIDATION_ERROR', 'enabled must be true or false');
    return this.change(request, (by) => ({ type: 'update', workspaceId: request.workspace_id, name: request.name, enabled: request.enabled, by }));
  }

  @RpcHandler('identity', IDENTITY_RPC.revokeApiKey)
  async revoke(request: KeyRequest): Promise<{ revoked: true }> {
    await this.change(request, (by) => ({ type: 'revoke', workspaceId: request.workspace_id, by }), async (em) => {
      await em.execute('UPDATE key_counters SET live_keys = live_keys - 1 WHERE workspace_id = ?', [request.workspace_id]);
    });
    return { revoked: true };
  }

  /** Same id, scopes, agent and expiry; a new secret; the old one valid for 24 hours more. */
  @RpcHandler('identity', IDENTITY_RPC.rotateApiKey)
  async rotate(request: KeyRequest): Promise<ApiKeyResource> {
    const key = mintApiKey();
    const validUntil = new Date(Date.now() + ROTATION_GRACE_MS);
    const resource = await this.change(
      request,
      (by) => ({ type: 'rotate', workspaceId: request.workspace_id, prefix: keyDisplayPrefix(key), previousValidUntil: validUntil.toISOString(), by }),
      async (em) => {
        await em.execute('UPDATE api_key_secrets SET valid_until = ? WHERE key_id = ? AND (valid_until IS NULL OR valid_until > ?)', [validUntil, request.key_id, validUntil]);
        await em.execute('INSERT INTO api_key_secrets (hash, key_id) VALUES (?, ?)', [digest(key), request.key_id]);
      },
    );
    return { ...resource, key };
  }

  /** `last_used_at` arrives in batches from the gateways, never as events. */
  @RpcHandler('identity', IDENTITY_RPC.recordKeyUse)
  async recordKeyUse(request: { uses: { key_id: string; at: string }[] }): Promise<{ recorded: number }> {
    let recorded = 0;
    for (const use of request.uses ?? []) {
      const updated = await this.runtime.orm.em
        .fork()
        .execute<{ id: string }[]>('UPDATE api_keys SET last_used_at = greatest(coalesce(last_used_at, ?), ?) WHERE id = ? RETURNING id', [use.at, use.at, use.key_id]);
      recorded += updated.length;
    }
    return { recorded };
  }

  private async change(
    request: KeyRequest,
    command: (by: VerifiedCaller) => ApiKeyCommand,
    extra?: (em: EntityManager) => Promise<void>,
  ): Promise<ApiKeyResource> {
    if (typeof request.key_id !== 'string' || !/^[0-9a-f-]{36}$/i.test(request.key_id)) throw new MnemoError('NOT_FOUND', 'no such API key');
    const { by } = await this.verify(request.workspace_id, request.caller);
    const reply = await this.runtime.store.handle<ApiKeyState, null>({
      streamId: apiKeyStreamId(request.key_id),
      initialState: initialApiKeyState,
      evolve: evolveApiKey,
      decide: (state) => decideApiKey(command(by), state),
      owner: { workspaceId: String(request.workspace_id) },
      actor: actorOf(request.caller),
      project: async (em, events) => {
        if (events.length > 0) await extra?.(em);
        await projectApiKeyEvents(em, events);
      },
      reply: () => null,
    });
    if (!reply.ok) throw new MnemoError(reply.error.code, reply.error.message, reply.error.details);
    return toResource(await this.row(this.runtime.orm.em.fork(), request.key_id));
  }

}

function actorOf(caller: KeyOperationCaller): string {
  return caller.kind === 'session' ? `user:${caller.user_id}` : `key:${caller.key_id}`;
}
