import { MnemoError, type OrganizationRole, type WorkspaceRole } from '@mnemo/contracts';

/**
 * The grant rules of API.md "Scopes and roles", shared by workspaces and organizations: owners and admins
 * manage members; only owners grant (or take away) owner or admin; the last owner can never be removed,
 * demoted or leave.
 */
const WORKSPACE_RANK: Record<WorkspaceRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function weakerRole(a: WorkspaceRole, b: WorkspaceRole): WorkspaceRole {
  return WORKSPACE_RANK[a] <= WORKSPACE_RANK[b] ? a : b;
}

export function atLeast(role: WorkspaceRole, required: WorkspaceRole): boolean {
  return WORKSPACE_RANK[role] >= WORKSPACE_RANK[required];
}

/** Roles only an owner may grant or take away. */
export function isPrivileged(role: WorkspaceRole | OrganizationRole): boolean {
  return role === 'owner' || role === 'admin';
}

export function forbidden(message: string, details: Record<string, unknown> = {}): MnemoError {
  return new MnemoError('FORBIDDEN', message, details);
}

export function requireManager(actorRole: WorkspaceRole | OrganizationRole | undefined | null, what = 'manage members'): void {
  if (actorRole !== 'owner' && actorRole !== 'admin') throw forbidden(`only owners and admins ${what}`, { required_role: 'admin' });
}

export function requireOwner(actorRole: WorkspaceRole | OrganizationRole | undefined | null, what: string): void {
  if (actorRole !== 'owner') throw forbidden(`only owners ${what}`, { required_role: 'owner' });
}

/** Granting, changing or removing owner/admin is for owners alone. */
export function requireOwnerForPrivileged(actorRole: WorkspaceRole | OrganizationRole, ...roles: (WorkspaceRole | OrganizationRole)[]): void {
  if (roles.some(isPrivileged)) requireOwner(actorRole, 'grant, change or remove the owner and admin roles');
}

export function lastOwner(): MnemoError {
  return new MnemoError('CONFLICT', 'the last owner cannot be removed, demoted or leave; make someone else an owner first', { reason: 'last_owner' });
}
