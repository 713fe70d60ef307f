import type { EntityManager } from '@mikro-orm/postgresql';
import { MnemoError, type WorkspaceCaller } from '@mnemo/contracts';
import { findAccess } from '../membership/access';
import { resolveCaller } from '../membership/caller';
import { OrganizationMemberRecord } from '../organization/organization.projection';
import { WorkspaceRecord } from '../workspace/workspace.projection';

export interface BillingAccess {
  workspace: WorkspaceRecord;
  /** The user behind the call (a key's creator). */
  userId: string;
  canChange: boolean;
}

/**
 * Who may see and change a workspace's subscription. Change: the workspace's owner, or its organization's
 * owner or billing_admin (API.md `can_manage_billing`). See: those, and the workspace's admins (org admins
 * included). Keys act as admin at most, so they may look but never pay. Without any access: NOT_FOUND; with
 * access but not enough: FORBIDDEN.
 */
export async function billingAccess(em: EntityManager, workspaceId: number, caller: WorkspaceCaller, need: 'see' | 'change'): Promise<BillingAccess> {
  let access: BillingAccess;
  let canSee: boolean;
  if (caller.kind === 'key') {
    const resolved = await resolveCaller(em, workspaceId, caller);
    access = { workspace: resolved.workspace, userId: resolved.userId, canChange: false };
    canSee = resolved.role === 'admin' || resolved.role === 'owner';
  } else {
    const workspace = await em.findOne(WorkspaceRecord, { workspaceId });
    if (!workspace) throw new MnemoError('NOT_FOUND', 'workspace not found');
    const found = await findAccess(em, workspaceId, caller.user_id);
    const organizationRole = (await em.findOne(OrganizationMemberRecord, { organizationId: workspace.organizationId, userId: caller.user_id }))?.role ?? null;
    const billingAdmin = organizationRole === 'owner' || organizationRole === 'billing_admin';
    // A billing_admin reaches the subscription without being a member; anyone else without access sees nothing.
    if (!found && !billingAdmin) throw new MnemoError('NOT_FOUND', 'workspace not found');
    const canChange = found?.access.role === 'owner' || billingAdmin;
    access = { workspace, userId: caller.user_id, canChange };
    canSee = canChange || found?.access.role === 'admin';
  }
  if (need === 'change' && !access.canChange) {
    throw new MnemoError('FORBIDDEN', 'only the workspace owner or the organization owner or billing admin changes the subscription', { required_role: 'owner' });
  }
  if (!canSee) throw new MnemoError('FORBIDDEN', 'only owners, admins and billing admins see the subscription', { required_role: 'admin' });
  return access;
}
