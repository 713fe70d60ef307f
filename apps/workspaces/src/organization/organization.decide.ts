import { MnemoError, ORGANIZATION_ROLES, WORKOS_ORGANIZATION_ID_PATTERN, WORKSPACE_LIMITS, type OrganizationEvent, type OrganizationRole } from '@mnemo/contracts';
import type { Decider } from '../decider';
import { requireLength, requireSlug } from '../limits';
import { lastOwner, requireManager, requireOwner, requireOwnerForPrivileged } from '../membership/grant-rules';
import { evolveOrganization, initialOrganizationState, type OrganizationState } from './organization.evolve';

/** One stream per organization. */
export function organizationStreamId(organizationId: string): string {
  return `organization-${organizationId}`;
}

export type OrganizationCommand =
  | {
      type: 'CreateOrganization';
      organizationId: string;
      name: string;
      /** Already reserved by the caller (slug reservations are a cross-aggregate guard). */
      slug: string;
      ownerUserId: string;
    }
  | {
      type: 'RenameOrganization';
      name: string;
      actorUserId: string;
      /** The owner of one of the organization's workspaces may rename it too (workspace-api updateOrganizationName). */
      actorOwnsAWorkspace: boolean;
    }
  | { type: 'AddOrganizationMember'; userId: string; role: OrganizationRole; actorUserId: string }
  | { type: 'ChangeOrganizationMemberRole'; userId: string; role: OrganizationRole; actorUserId: string }
  | { type: 'RemoveOrganizationMember'; userId: string; actorUserId: string }
  /** Account erasure takes the user out of an organization that keeps other members. */
  | { type: 'EraseOrganizationMember'; userId: string }
  | {
      type: 'DeleteOrganization';
      /** null: an account erasure deletes the organization its user was alone in. */
      actorUserId: string | null;
      /** Workspaces the organization still has (read in the same transaction, with the organization locked). */
      workspaceCount: number;
      erasureId: string | null;
    }
  /** Operators only (the admin port); null unlinks. */
  | { type: 'LinkWorkosOrganization'; workosOrganizationId: string | null };

type ExistingOrganization = Extract<OrganizationState, { exists: true }>;

const notFound = () => new MnemoError('NOT_FOUND', 'organization not found');

/** The actor's role; an organization the actor is not in does not exist for them. */
function roleOf(state: ExistingOrganization, userId: string): OrganizationRole {
  const role = state.members[userId];
  if (!role) throw notFound();
  return role;
}

function ownerCount(state: ExistingOrganization): number {
  return Object.values(state.members).filter((role) => role === 'owner').length;
}

function requireRole(role: string): void {
  if (!(ORGANIZATION_ROLES as readonly string[]).includes(role)) {
    throw new MnemoError('VALIDATION_ERROR', `role must be one of ${ORGANIZATION_ROLES.join(', ')}`, { field: 'role' });
  }
}

export function decideOrganization(command: OrganizationCommand, state: OrganizationState): OrganizationEvent[] {
  if (command.type === 'CreateOrganization') {
    if (state.exists || state.deleted) throw new MnemoError('CONFLICT', 'the organization already exists');
    requireLength('organization_name', command.name, WORKSPACE_LIMITS.organizationName);
    requireSlug('organization_slug', command.slug);
    // The creator is the first owner: an organization never exists without one.
    return [
      {
        type: 'organization.created',
        data: { organization_id: command.organizationId, name: command.name, slug: command.slug, created_by: command.ownerUserId },
      },
      {
        type: 'organization.member_added',
        data: { organization_id: command.organizationId, user_id: command.ownerUserId, role: 'owner' },
      },
    ];
  }
  if (!state.exists) throw notFound();
  const organization_id = state.organizationId;
  switch (command.type) {
    case 'RenameOrganization': {
      if (!command.actorOwnsAWorkspace) requireOwner(roleOf(state, command.actorUserId), 'rename the organization');
      requireLength('name', command.name, WORKSPACE_LIMITS.organizationName);
      if (command.name === state.name) return [];
      return [{ type: 'organization.renamed', data: { organization_id, name: command.name } }];
    }
    case 'AddOrganizationMember': {
      const actorRole = roleOf(state, command.actorUserId);
      requireManager(actorRole);
      requireRole(command.role);
      requireOwnerForPrivileged(actorRole, command.role);
      if (state.members[command.userId]) {
        throw new MnemoError('CONFLICT', 'the user is already a member of this organization', { role: state.members[command.userId] });
      }
      return [{ type: 'organization.member_added', data: { organization_id, user_id: command.userId, role: command.role } }];
    }
    case 'ChangeOrganizationMemberRole': {
      const actorRole = roleOf(state, command.actorUserId);
      requireManager(actorRole);
      requireRole(command.role);
      const current = state.members[command.userId];
      if (!current) throw new MnemoError('NOT_FOUND', 'member not found');
      requireOwnerForPrivileged(actorRole, current, command.role);
      if (current === command.role) return [];
      if (current === 'owner' && ownerCount(state) === 1) throw lastOwner();
      return [
        {
          type: 'organization.member_role_changed',
          data: { organization_id, user_id: command.userId, role: command.role, previous_role: current },
        },
      ];
    }
    case 'RemoveOrganizationMember': {
      const actorRole = roleOf(state, command.actorUserId);
      const leaving = command.userId === command.actorUserId;
      const current = state.members[command.userId];
      if (!leaving) {
        requireManager(actorRole);
        if (!current) throw new MnemoError('NOT_FOUND', 'member not found');
        requireOwnerForPrivileged(actorRole, current);
      }
      if (current === 'owner' && ownerCount(state) === 1) throw lastOwner();
      return [{ type: 'organization.member_removed', data: { organization_id, user_id: command.userId, reason: leaving ? 'left' : 'removed' } }];
    }
    case 'EraseOrganizationMember': {
      const current = state.members[command.userId];
      if (!current) return [];
      // An erasure never leaves an organization without an owner: the account deletion is refused instead.
      if (current === 'owner' && ownerCount(state) === 1) throw lastOwner();
      return [{ type: 'organization.member_removed', data: { organization_id, user_id: command.userId, reason: 'erased' } }];
    }
    case 'LinkWorkosOrganization': {
      const linked = command.workosOrganizationId;
      if (linked !== null && (typeof linked !== 'string' || !WORKOS_ORGANIZATION_ID_PATTERN.test(linked))) {
        throw new MnemoError('VALIDATION_ERROR', 'workos_organization_id must be a WorkOS organization id (org_…) or null', { field: 'workos_organization_id' });
      }
      if ((state.workosOrganizationId ?? null) === linked) return [];
      return [{ type: 'organization.workos_linked', data: { organization_id, workos_organization_id: linked } }];
    }
    case 'DeleteOrganization': {
      if (command.actorUserId !== null) requireOwner(roleOf(state, command.actorUserId), 'delete the organization');
      if (command.workspaceCount > 0) {
        throw new MnemoError('CONFLICT', 'the organization still has workspaces; delete them first', {
          reason: 'has_workspaces',
          workspace_count: command.workspaceCount,
        });
      }
      return [{ type: 'organization.deleted', data: { organization_id, erasure_id: command.erasureId } }];
    }
  }
}

export const organizationDecider: Decider<OrganizationCommand, OrganizationState, OrganizationEvent> = {
  initialState: initialOrganizationState,
  decide: decideOrganization,
  evolve: evolveOrganization,
};
