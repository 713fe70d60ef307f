import type { EntityManager } from '@mikro-orm/postgresql';
import { MnemoError, type WorkspaceCaller, type WorkspaceRole } from '@mnemo/contracts';
import type { WorkspaceRecord } from '../workspace/workspace.projection';
import { findAccess } from './access';
import { weakerRole } from './grant-rules';

export interface ResolvedCaller {
  /** The user behind the call: the session's, or the key's creator. */
  userId: string;
  role: WorkspaceRole;
  kind: WorkspaceCaller['kind'];
  workspace: WorkspaceRecord;
}

/** The role a key's scopes allow at most: keys never act as owners. */
function roleOfScopes(scopes: readonly string[]): WorkspaceRole {
  if (scopes.includes('workspace:admin')) return 'admin';
  if (scopes.includes('memory:write')) return 'member';
  return 'viewer';
}

/**
 * Locks the workspace row until the transaction ends. Every command that reads the member set to decide (the
 * last owner, a pending invitation for the same email, the caller's own role) takes this lock first, so those
 * commands on one workspace run one after another and each decides on the state the previous one left.
 */
export async function lockWorkspace(em: EntityManager, workspaceId: number): Promise<void> {
  const rows = await em.execute<{ workspace_id: number }[]>('SELECT workspace_id FROM workspaces WHERE workspace_id = ? FOR UPDATE', [workspaceId]);
  if (rows.length === 0) throw new MnemoError('NOT_FOUND', 'workspace not found');
}

/**
 * The caller's role in a workspace, from this service's own state (privilege-granting commands never trust a
 * role the gateway cached). A session user's effective role; a key acts with the weaker of its scopes' role
 * and its creator's current role, so a key outlives none of its creator's demotions.
 */
export async function resolveCaller(em: EntityManager, workspaceId: number, caller: WorkspaceCaller): Promise<ResolvedCaller> {
  const userId = caller.kind === 'session' ? caller.user_id : caller.created_by;
  const found = await findAccess(em, workspaceId, userId);
  if (!found) {
    if (caller.kind === 'session') throw new MnemoError('NOT_FOUND', 'workspace not found');
    throw new MnemoError('FORBIDDEN', "the key's creator no longer has access to this workspace", { reason: 'creator_without_access' });
  }
  const role = caller.kind === 'session' ? found.access.role : weakerRole(found.access.role, roleOfScopes(caller.scopes));
  return { userId, role, kind: caller.kind, workspace: found.workspace };
}

/** Owners of the workspace other than `userId`, read under the workspace lock. */
export async function otherOwners(em: EntityManager, workspaceId: number, userId: string): Promise<number> {
  const [row] = await em.execute<{ count: string }[]>(
    `SELECT count(*) AS count FROM workspace_members WHERE workspace_id = ? AND role = 'owner' AND user_id <> ?`,
    [workspaceId, userId],
  );
  return Number(row.count);
}
