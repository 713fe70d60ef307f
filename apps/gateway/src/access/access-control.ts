import type { FastifyRequest } from 'fastify';
import { credentialKind, MnemoError, parseWorkspaceId, ROUTE_ACCESS, routeKey, SCOPES_BY_ROLE, type RouteAccess, type Scope } from '@mnemo/contracts';
import type { Logger } from '@mnemo/observability';
import type { AccessCache } from './access-cache';
import type { Authenticated } from './authenticated';
import type { CredentialCache } from './credential-cache';
import type { KeyUseRecorder } from './key-use';

export const WORKSPACE_HEADER = 'mnemo-workspace';

/**
 * Runs before every handler: finds the route in the one access table, resolves the bearer credential,
 * picks the workspace (the key's; the path's `:id`, which must be the key's; or the session's
 * `Mnemo-Workspace` header) and checks the route's scope. A workspace the caller cannot reach answers 404.
 */
export class AccessControl {
  constructor(
    private readonly credentials: CredentialCache,
    private readonly access: AccessCache,
    private readonly keyUse: KeyUseRecorder,
    private readonly logger: Logger,
    private readonly extraRoutes: Record<string, RouteAccess> = {},
  ) {}

  async authorize(request: FastifyRequest): Promise<void> {
    const route = request.routeOptions?.url;
    if (!route) return;
    const key = routeKey(request.method, route);
    const rule = ROUTE_ACCESS[key] ?? this.extraRoutes[key];
    if (!rule) {
      // Fail closed: a route nobody classified is refused, and the omission is loud.
      this.logger.error({ route: key }, 'route missing from ROUTE_ACCESS');
      throw new MnemoError('FORBIDDEN', 'this route is not available');
    }
    if (rule.auth === 'public') return;
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
    if (!token) throw new MnemoError('UNAUTHORIZED', 'send a bearer credential: Authorization: Bearer <API key or session token>');
    // A mistyped credential fails its checksum here, before any lookup.
    if (!credentialKind(token)) throw new MnemoError('UNAUTHORIZED', 'invalid or expired credential');
    const credential = await this.credentials.resolve(token);
    if (rule.sessionOnly && credential.kind !== 'session') throw new MnemoError('FORBIDDEN', 'this route needs a user session, not an API key');
    const auth: Authenticated =
      credential.kind === 'session'
        ? { credential, principal: { type: 'user', id: credential.user_id }, userId: credential.user_id, workspaceId: null, role: null, scopes: [], agentId: null }
        : {
            credential,
            principal: { type: 'key', id: credential.key_id },
            userId: credential.created_by,
            workspaceId: credential.workspace_id,
            role: null,
            scopes: credential.scopes,
            agentId: credential.agent_id,
          };
    if (credential.kind === 'key') this.keyUse.note(credential.key_id);
    request.auth = auth;

    const params = (request.params ?? {}) as Record<string, string>;
    let workspaceId: number | undefined;
    if (rule.auth === 'workspace' && rule.workspace === 'path') {
      workspaceId = parseWorkspaceId(params.id);
      if (workspaceId === undefined) throw new MnemoError('NOT_FOUND', 'no such workspace');
    } else if (credential.kind === 'session') {
      const selected = request.headers[WORKSPACE_HEADER];
      if (typeof selected === 'string' && selected !== '') {
        workspaceId = parseWorkspaceId(selected);
        if (workspaceId === undefined) throw new MnemoError('NOT_FOUND', 'no such workspace');
      } else if (rule.auth === 'workspace') {
        throw new MnemoError('VALIDATION_ERROR', 'sessions choose the workspace of this route with the Mnemo-Workspace header', { header: 'Mnemo-Workspace' });
      }
    }

    if (credential.kind === 'key') {
      // Keys ignore Mnemo-Workspace; a path id that is not the key's workspace does not exist for it.
      if (workspaceId !== undefined && rule.auth === 'workspace' && workspaceId !== credential.workspace_id) throw new MnemoError('NOT_FOUND', 'no such workspace');
    } else if (workspaceId !== undefined) {
      const access = await this.access.get(workspaceId, credential.user_id);
      auth.workspaceId = workspaceId;
      auth.role = access.role;
      auth.scopes = [...SCOPES_BY_ROLE[access.role]];
    }
    if (rule.auth === 'workspace' && !auth.scopes.includes(rule.scope)) {
      throw new MnemoError('FORBIDDEN', `this route needs the ${rule.scope} scope`, { required_scope: rule.scope });
    }
  }

  hasScope(auth: Authenticated, scope: Scope): boolean {
    return auth.scopes.includes(scope);
  }
}
