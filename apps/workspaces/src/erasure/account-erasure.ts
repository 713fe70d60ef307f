import type { EntityManager } from '@mikro-orm/postgresql';
import { MnemoError, type CheckAccountDeletionReply, type EraseUserReply } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { lockWorkspace } from '../membership/caller';
import { decideOnMembership } from '../membership/membership.commands';
import { decideOnOrganization, lockOrganization } from '../organization/organization.commands';
import { decideOnWorkspace } from '../workspace/workspace.commands';

/**
 * What blocks deleting an account: workspaces and organizations whose only owner is the user and that have
 * someone else in them (an organization counts the members of its workspaces too). Those need another owner,
 * or to be deleted, first; everything else the user alone is in goes with the account.
 */
export async function accountDeletionBlockers(em: EntityManager, userId: string): Promise<CheckAccountDeletionReply> {
  const workspaces = await em.execute<{ workspace_id: number; name: string }[]>(
    `SELECT w.workspace_id, w.name
     FROM workspace_members m JOIN workspaces w ON w.workspace_id = m.workspace_id
     WHERE m.user_id = ? AND m.role = 'owner'
       AND NOT EXISTS (SELECT 1 FROM workspace_members o WHERE o.workspace_id = m.workspace_id AND o.role = 'owner' AND o.user_id <> m.user_id)
       AND EXISTS (SELECT 1 FROM workspace_members o WHERE o.workspace_id = m.workspace_id AND o.user_id <> m.user_id)
     ORDER BY w.workspace_id`,
    [userId],
  );
  const organizations = await em.execute<{ id: string; name: string }[]>(
    `SELECT g.id, g.name
     FROM organization_members m JOIN organizations g ON g.id = m.organization_id
     WHERE m.user_id = ? AND m.role = 'owner'
       AND NOT EXISTS (SELECT 1 FROM organization_members o WHERE o.organization_id = m.organization_id AND o.role = 'owner' AND o.user_id <> m.user_id)
       AND (
         EXISTS (SELECT 1 FROM organization_members o WHERE o.organization_id = m.organization_id AND o.user_id <> m.user_id)
         OR EXISTS (
           SELECT 1 FROM workspaces w JOIN workspace_members wm ON wm.workspace_id = w.workspace_id
           WHERE w.organization_id = m.organization_id AND wm.user_id <> m.user_id
         )
       )
     ORDER BY g.created_at, g.id`,
    [userId],
  );
  return {
    blocking_workspaces: workspaces.map((w) => ({ workspace_id: Number(w.workspace_id), name: w.name })),
    blocking_organizations: organizations.map((o) => ({ id: o.id, name: o.name })),
  };
}

/**
 * Erases the user from this service in one transaction: workspaces the user was the only member of are deleted
 * (`workspace.deleted` with the erasure id; their slugs are released), as are organizations the user was alone
 * in, with any workspace left in them; every other membership is revoked (`erased`). Refused with CONFLICT
 * while `accountDeletionBlockers` finds something. Invitations the user sent stay: they belong to the workspace.
 */
export async function eraseUserInTransaction(em: EntityManager, store: EventStore, userId: string, erasureId: string): Promise<EraseUserReply> {
  const recorded = await em.execute<{ reply: EraseUserReply }[]>('SELECT reply FROM user_erasures WHERE erasure_id = ?', [erasureId]);
  if (recorded.length > 0) return recorded[0].reply;
  const blockers = await accountDeletionBlockers(em, userId);
  if (blockers.blocking_workspaces.length > 0 || blockers.blocking_organizations.length > 0) {
    throw new MnemoError('CONFLICT', 'the user is the only owner of workspaces or organizations that have other members', { ...blockers });
  }
  const actor = 'system:erasure';
  const deletedWorkspaceIds: number[] = [];
  const deletedOrganizationIds: string[] = [];

  const deleteWorkspace = async (workspaceId: number) => {
    await lockWorkspace(em, workspaceId);
    const members = await em.execute<{ user_id: string }[]>('SELECT user_id FROM workspace_members WHERE workspace_id = ? ORDER BY user_id', [workspaceId]);
    for (const member of members) {
      await decideOnMembership(em, store, workspaceId, member.user_id, { type: 'RevokeMembership', reason: 'workspace_deleted', otherOwners: 0 }, actor);
    }
    await decideOnWorkspace(em, store, workspaceId, { type: 'DeleteWorkspace', actorRole: null, erasureId }, actor);
    deletedWorkspaceIds.push(workspaceId);
  };

  // Workspaces, in id order (a fixed lock order).
  const memberships = await em.execute<{ workspace_id: number; alone: boolean }[]>(
    `SELECT m.workspace_id, NOT EXISTS (SELECT 1 FROM workspace_members o WHERE o.workspace_id = m.workspace_id AND o.user_id <> m.user_id) AS alone
     FROM workspace_members m WHERE m.user_id = ? ORDER BY m.workspace_id`,
    [userId],
  );
  for (const membership of memberships) {
    const workspaceId = Number(membership.workspace_id);
    if (membership.alone) {
      await deleteWorkspace(workspaceId);
    } else {
      await lockWorkspace(em, workspaceId);
      const [{ count }] = await em.execute<{ count: string }[]>(
        `SELECT count(*) AS count FROM workspace_members WHERE workspace_id = ? AND role = 'owner' AND user_id <> ?`,
        [workspaceId, userId],
      );
      await decideOnMembership(em, store, workspaceId, userId, { type: 'RevokeMembership', reason: 'erased', otherOwners: Number(count) }, actor);
    }
  }

  // Organizations.
  const organizationMemberships = await em.execute<{ organization_id: string; alone: boolean }[]>(
    `SELECT m.organization_id, NOT EXISTS (SELECT 1 FROM organization_members o WHERE o.organization_id = m.organization_id AND o.user_id <> m.user_id) AS alone
     FROM organization_members m WHERE m.user_id = ? ORDER BY m.organization_id`,
    [userId],
  );
  for (const membership of organizationMemberships) {
    const organizationId = membership.organization_id;
    await lockOrganization(em, organizationId, 'update');
    if (membership.alone) {
      // Not blocked, so none of its workspaces has anyone else in it: they go with the organization.
      const remaining = await em.execute<{ workspace_id: number }[]>('SELECT workspace_id FROM workspaces WHERE organization_id = ? ORDER BY workspace_id', [organizationId]);
      for (const workspace of remaining) await deleteWorkspace(Number(workspace.workspace_id));
      await decideOnOrganization(em, store, organizationId, { type: 'DeleteOrganization', actorUserId: null, workspaceCount: 0, erasureId }, actor);
      deletedOrganizationIds.push(organizationId);
    } else {
      await decideOnOrganization(em, store, organizationId, { type: 'EraseOrganizationMember', userId }, actor);
    }
  }

  // The user's own leftovers: the navigation choice, and icon uploads no workspace took.
  await em.execute('DELETE FROM navigation_states WHERE user_id = ?', [userId]);
  await em.execute('DELETE FROM icon_uploads WHERE issued_to_user = ? AND claimed_by_workspace IS NULL', [userId]);
  const reply: EraseUserReply = { deleted_workspace_ids: deletedWorkspaceIds, deleted_organization_ids: deletedOrganizationIds };
  await em.execute('INSERT INTO user_erasures (erasure_id, user_id, reply) VALUES (?, ?, ?::jsonb)', [erasureId, userId, JSON.stringify(reply)]);
  return reply;
}
