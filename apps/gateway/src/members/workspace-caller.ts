import type { FastifyRequest } from 'fastify';
import type { WorkspaceCaller } from '@mnemo/contracts';
import { authOf } from '../access/authenticated';

/**
 * The workspace and caller of a workspace-bound command, as access control resolved them. The workspaces
 * service re-checks the caller's role from its own state before granting anything.
 */
export function workspaceTarget(request: FastifyRequest): { workspace_id: number; caller: WorkspaceCaller } {
  const auth = authOf(request);
  const { credential } = auth;
  const caller: WorkspaceCaller =
    credential.kind === 'session'
      ? { kind: 'session', user_id: credential.user_id }
      : { kind: 'key', key_id: credential.key_id, scopes: credential.scopes, agent_id: credential.agent_id, created_by: credential.created_by };
  // Access control always sets the workspace on workspace routes (the key's, the path's or the header's).
  return { workspace_id: auth.workspaceId!, caller };
}
