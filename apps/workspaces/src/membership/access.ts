import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganizationRole, WorkspaceRole } from '@mnemo/contracts';
import { OrganizationMemberRecord } from '../organization/organization.projection';
import { WorkspaceRecord } from '../workspace/workspace.projection';
import { WorkspaceMemberRecord } from './membership.projection';

export interface EffectiveAccess {
  role: WorkspaceRole;
  via: 'membership' | 'organization';
}

const RANK: Record<WorkspaceRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** Organization roles that reach every workspace of the organization, as workspace admin (API.md). */
const ORGANIZATION_ADMIN_ROLES: readonly OrganizationRole[] = ['owner', 'admin'];

/**
 * The stronger of the user's workspace membership and their organization's reach; a tie goes to the
 * membership, which is the more specific grant. `null` means no access at all.
 */
export function effectiveAccess(membershipRole: WorkspaceRole | null, organizationRole: OrganizationRole | null): EffectiveAccess | null {
  const fromOrganization: WorkspaceRole | null = organizationRole && ORGANIZATION_ADMIN_ROLES.includes(organizationRole) ? 'admin' : null;
  if (membershipRole && (!fromOrganization || RANK[membershipRole] >= RANK[fromOrganization])) return { role: membershipRole, via: 'membership' };
  if (fromOrganization) return { role: fromOrganization, via: 'organization' };
  return null;
}

/** The workspace and the user's access to it, or `null` when either is missing: callers answer NOT_FOUND. */
export async function findAccess(
  em: EntityManager,
  workspaceId: number,
  userId: string,
): Promise<{ workspace: WorkspaceRecord; access: EffectiveAccess } | null> {
  const workspace = await em.findOne(WorkspaceRecord, { workspaceId });
  if (!workspace) return null;
  const membership = await em.findOne(WorkspaceMemberRecord, { workspaceId, userId });
  const organizationMember = await em.findOne(OrganizationMemberRecord, { organizationId: workspace.organizationId, userId });
  const access = effectiveAccess(membership?.role ?? null, organizationMember?.role ?? null);
  return access ? { workspace, access } : null;
}

/** Every workspace the user reaches through a membership or an organization role, by workspace id. */
export async function listAccessibleWorkspaces(
  em: EntityManager,
  userId: string,
): Promise<{ workspace: WorkspaceRecord; access: EffectiveAccess }[]> {
  const memberships = await em.find(WorkspaceMemberRecord, { userId });
  const organizationRoles = await em.find(OrganizationMemberRecord, { userId, role: { $in: [...ORGANIZATION_ADMIN_ROLES] } });
  if (memberships.length === 0 && organizationRoles.length === 0) return [];
  const reachable: FilterQuery<WorkspaceRecord>[] = [];
  if (memberships.length > 0) reachable.push({ workspaceId: { $in: memberships.map((m) => m.workspaceId) } });
  if (organizationRoles.length > 0) reachable.push({ organizationId: { $in: organizationRoles.map((o) => o.organizationId) } });
  const workspaces = await em.find(WorkspaceRecord, { $or: reachable }, { orderBy: { workspaceId: 'asc' } });
  const roleInWorkspace = new Map(memberships.map((m) => [m.workspaceId, m.role]));
  const roleInOrganization = new Map(organizationRoles.map((o) => [o.organizationId, o.role]));
  return workspaces.flatMap((workspace) => {
    const access = effectiveAccess(roleInWorkspace.get(workspace.workspaceId) ?? null, roleInOrganization.get(workspace.organizationId) ?? null);
    return access ? [{ workspace, access }] : [];
  });
}
