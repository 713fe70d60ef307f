import { ICON_ROUTE_ACCESS } from './icons';
import { MEMORY_ROUTE_ACCESS } from './memory-routes';
import { BILLING_ROUTE_ACCESS } from './billing';
import { LIFECYCLE_ROUTE_ACCESS } from './lifecycle';
import type { WorkspaceRole } from './workspaces';

export const SCOPES = ['memory:read', 'memory:write', 'spaces:admin', 'webhooks:admin', 'workspace:admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Sessions get their scopes from the workspace role (API.md "Scopes and roles"). */
export const SCOPES_BY_ROLE: Readonly<Record<WorkspaceRole, readonly Scope[]>> = {
  owner: SCOPES,
  admin: SCOPES,
  member: ['memory:read', 'memory:write'],
  viewer: ['memory:read'],
};

/**
 * What each route needs, in one table the gateway enforces for every request. `public`: no credential.
 * `user`: a session or key, no workspace scope. A workspace scope also requires a workspace: the key's, the
 * path's `:id`, or the session's `Mnemo-Workspace` header. Routes missing here are refused.
 */
export type RouteAccess =
  | { auth: 'public' }
  | { auth: 'user'; sessionOnly?: boolean }
  | { auth: 'workspace'; scope: Scope; workspace: 'path' | 'implicit'; sessionOnly?: boolean };

export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  ...MEMORY_ROUTE_ACCESS,
  ...ICON_ROUTE_ACCESS,
  ...BILLING_ROUTE_ACCESS,
  ...LIFECYCLE_ROUTE_ACCESS,
  'GET /health': { auth: 'public' },
  'GET /ready': { auth: 'public' },
  'GET /health/services': { auth: 'public' },
  'POST /v1/auth/signup': { auth: 'public' },
  'POST /v1/auth/login': { auth: 'public' },
  'POST /v1/auth/verify-email': { auth: 'public' },
  'POST /v1/auth/password-reset': { auth: 'public' },
  'POST /v1/auth/password-reset/confirm': { auth: 'public' },
  'GET /v1/account/erasure/:id': { auth: 'public' },
  'POST /v1/auth/logout': { auth: 'user', sessionOnly: true },
  'POST /v1/auth/verify-email/resend': { auth: 'user', sessionOnly: true },
  'GET /v1/auth/whoami': { auth: 'user' },
  'GET /v1/auth/workspaces': { auth: 'user' },
  'DELETE /v1/account': { auth: 'user', sessionOnly: true },
  'GET /v1/workspaces/:id': { auth: 'workspace', scope: 'memory:read', workspace: 'path' },
  'POST /v1/workspaces/:id/api-keys': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'GET /v1/workspaces/:id/api-keys': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'PATCH /v1/workspaces/:id/api-keys/:keyId': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'DELETE /v1/workspaces/:id/api-keys/:keyId': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'POST /v1/workspaces/:id/api-keys/:keyId/rotate': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  // Organizations, workspaces, members, invitations (workspaces service). Organization roles are checked by the
  // service against the organization's roster; keys belong to one workspace, so organization routes are for
  // sessions. Members, invitations, join codes and settings need workspace:admin; reads of a workspace memory:read.
  'POST /v1/organizations': { auth: 'user', sessionOnly: true },
  'GET /v1/organizations': { auth: 'user', sessionOnly: true },
  'GET /v1/organizations/:id/access': { auth: 'user', sessionOnly: true },
  'PATCH /v1/organizations/:id': { auth: 'user', sessionOnly: true },
  'DELETE /v1/organizations/:id': { auth: 'user', sessionOnly: true },
  'GET /v1/organizations/:id/members': { auth: 'user', sessionOnly: true },
  'POST /v1/organizations/:id/members': { auth: 'user', sessionOnly: true },
  'PATCH /v1/organizations/:id/members/:userId': { auth: 'user', sessionOnly: true },
  'DELETE /v1/organizations/:id/members/:userId': { auth: 'user', sessionOnly: true },
  'POST /v1/workspaces': { auth: 'user', sessionOnly: true },
  'GET /v1/workspaces': { auth: 'user', sessionOnly: true },
  'PATCH /v1/workspaces/:id': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'PATCH /v1/workspaces/:id/organization': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'GET /v1/workspaces/:id/members': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'POST /v1/workspaces/:id/members': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'PATCH /v1/workspaces/:id/members/:userId': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'DELETE /v1/workspaces/:id/members/:userId': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'DELETE /v1/workspaces/:id/members/me': { auth: 'workspace', scope: 'memory:read', workspace: 'path' },
  'POST /v1/auth/invitations': { auth: 'workspace', scope: 'workspace:admin', workspace: 'implicit' },
  'GET /v1/auth/invitations': { auth: 'workspace', scope: 'workspace:admin', workspace: 'implicit' },
  'DELETE /v1/auth/invitations/:id': { auth: 'workspace', scope: 'workspace:admin', workspace: 'implicit' },
  'POST /v1/auth/invitations/accept': { auth: 'user', sessionOnly: true },
  'GET /v1/workspaces/:id/join-info': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'POST /v1/workspaces/:id/join-code': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  'POST /v1/join': { auth: 'user', sessionOnly: true },
  'GET /v1/workspaces/:id/providers': { auth: 'workspace', scope: 'memory:read', workspace: 'path' },
  'PUT /v1/workspaces/:id/providers': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
};

export function routeKey(method: string, routePattern: string): string {
  return `${method.toUpperCase()} ${routePattern}`;
}
