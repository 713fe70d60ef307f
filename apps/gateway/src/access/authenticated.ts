import type { FastifyRequest } from 'fastify';
import type { Principal, ResolvedCredential, RpcMetadata, Scope, WorkspaceRole } from '@mnemo/contracts';

/** Who the request is, once access control has run. */
export interface Authenticated {
  credential: ResolvedCredential;
  principal: Principal;
  /** The session's user; for a key, the user who created it. */
  userId: string;
  workspaceId: number | null;
  role: WorkspaceRole | null;
  scopes: Scope[];
  agentId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: Authenticated;
  }
}

export function authOf(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new Error('route reached without access control');
  return request.auth;
}

/** RPC metadata of an authenticated request. */
export function metadataOf(request: FastifyRequest): RpcMetadata {
  const idempotencyKey = request.headers['idempotency-key'];
  return {
    requestId: String(request.id),
    ...(request.auth ? { principal: request.auth.principal } : {}),
    ...(request.auth?.workspaceId ? { workspaceId: String(request.auth.workspaceId) } : {}),
    ...(typeof idempotencyKey === 'string' && ['POST', 'PUT', 'PATCH'].includes(request.method) ? { idempotencyKey } : {}),
  };
}
