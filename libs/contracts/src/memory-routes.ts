import type { RouteAccess } from './scopes';

const read: RouteAccess = { auth: 'workspace', scope: 'memory:read', workspace: 'implicit' };
const write: RouteAccess = { auth: 'workspace', scope: 'memory:write', workspace: 'implicit' };
const admin: RouteAccess = { auth: 'workspace', scope: 'spaces:admin', workspace: 'implicit' };

/**
 * Access rules of the memory service's routes; spread into ROUTE_ACCESS. Every memory route is
 * workspace-implicit: the key's workspace, or the session's `Mnemo-Workspace` header (DESIGN.md).
 */
export const MEMORY_ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'POST /v1/memories': write,
  'POST /v1/memories/batch': write,
  'GET /v1/memories': read,
  'GET /v1/memories/:uuid': read,
  'PATCH /v1/memories/:uuid': write,
  'DELETE /v1/memories/:uuid': write,
  'POST /v1/memories/search': read,
  'POST /v1/context': read,
  'GET /v1/teams': read,
  'POST /v1/context-spaces': admin,
  'GET /v1/context-spaces': read,
  'GET /v1/context-spaces/:space_id': read,
  'PUT /v1/context-spaces/:space_id': admin,
  'DELETE /v1/context-spaces/:space_id': admin,
  'GET /v1/context-spaces/:space_id/memories': read,
  // Export reads what the caller may see; import writes (and counts as writes); spaces in a page need spaces:admin.
  'GET /v1/export': read,
  'POST /v1/import': write,
  // The audit log: accessors list the records where they are the actor, the owner every record of its chain;
  // only the owner's chain can be verified (the caller's workspace decides which).
  'GET /v1/audit-events': read,
  'GET /v1/audit-events/verify': read,
};
