import { MnemoError, WORKSPACE_ROLES, type MembershipEvent, type MembershipSource, type RemovalReason, type WorkspaceRole } from '@mnemo/contracts';
import type { Decider } from '../decider';
import { lastOwner, requireManager, requireOwner, requireOwnerForPrivileged } from './grant-rules';
import { evolveMembership, initialMembershipState, type MembershipState } from './membership.evolve';

/**
 * One stream per (workspace, user): a user's membership changes never contend with another member's. The rule
 * over the whole member set — the last owner — is decided from `otherOwners`, which the handler counts with the
 * workspace row locked `FOR UPDATE`, so two owners demoting each other at once cannot both succeed.
 */
export function membershipStreamId(workspaceId: number, userId: string): string {
  return `membership-${workspaceId}-${userId}`;
}

export type MembershipCommand =
  | {
      type: 'GrantMembership';
      workspaceId: number;
      userId: string;
      role: WorkspaceRole;
      via: MembershipSource;
      /** The role of whoever adds the member; required when `via` is `added_by_admin`. */
      actorRole?: WorkspaceRole;
    }
  | { type: 'ChangeMemberRole'; role: WorkspaceRole; actorRole: WorkspaceRole; otherOwners: number }
  | {
      type: 'RevokeMembership';
      reason: Extract<RemovalReason, 'removed' | 'left' | 'erased' | 'workspace_deleted'>;
      /** The remover's role when `reason` is `removed`. */
      actorRole?: WorkspaceRole;
      /** Owners of the workspace other than this member. */
      otherOwners: number;
    };

const memberNotFound = () => new MnemoError('NOT_FOUND', 'member not found');

function requireWorkspaceRole(role: string): void {
  if (!(WORKSPACE_ROLES as readonly string[]).includes(role)) {
    throw new MnemoError('VALIDATION_ERROR', `role must be one of ${WORKSPACE_ROLES.join(', ')}`, { field: 'role' });
  }
}

export function decideMembership(command: MembershipCommand, state: MembershipState): MembershipEvent[] {
  switch (command.type) {
    case 'GrantMembership': {
      requireWorkspaceRole(command.role);
      // API.md: invitations and join codes never grant owner; only creating a workspace or an owner does.
      if (command.role === 'owner' && (command.via === 'invitation' || command.via === 'join_code')) {
        throw new MnemoError('VALIDATION_ERROR', `${command.via === 'invitation' ? 'an invitation' : 'a join code'} cannot grant the owner role`, {
          field: 'role',
        });
      }
      if (command.via === 'join_code' && command.role !== 'member') {
        throw new MnemoError('VALIDATION_ERROR', 'a join code makes members', { field: 'role' });
      }
      if (command.via === 'added_by_admin') {
        requireManager(command.actorRole);
        requireOwnerForPrivileged(command.actorRole!, command.role);
      }
      if (state.isMember) throw new MnemoError('CONFLICT', 'the user is already a member of this workspace', { role: state.role });
      return [
        {
          type: 'membership.granted',
          data: { workspace_id: command.workspaceId, user_id: command.userId, role: command.role, via: command.via },
        },
      ];
    }
    case 'ChangeMemberRole': {
      requireManager(command.actorRole);
      requireWorkspaceRole(command.role);
      if (!state.isMember) throw memberNotFound();
      requireOwnerForPrivileged(command.actorRole, state.role, command.role);
      if (state.role === command.role) return [];
      if (state.role === 'owner' && command.otherOwners === 0) throw lastOwner();
      return [
        {
          type: 'membership.role_changed',
          data: { workspace_id: state.workspaceId, user_id: state.userId, role: command.role, previous_role: state.role },
        },
      ];
    }
    case 'RevokeMembership': {
      if (!state.isMember) {
        // Erasure and workspace deletion are repeated until done: a membership already gone is not an error.
        if (command.reason === 'erased' || command.reason === 'workspace_deleted') return [];
        throw memberNotFound();
      }
      if (command.reason === 'removed') requireOwner(command.actorRole, 'remove members');
      if (command.reason !== 'workspace_deleted' && state.role === 'owner' && command.otherOwners === 0) throw lastOwner();
      return [{ type: 'membership.revoked', data: { workspace_id: state.workspaceId, user_id: state.userId, reason: command.reason } }];
    }
  }
}

export const membershipDecider: Decider<MembershipCommand, MembershipState, MembershipEvent> = {
  initialState: initialMembershipState,
  decide: decideMembership,
  evolve: evolveMembership,
};
