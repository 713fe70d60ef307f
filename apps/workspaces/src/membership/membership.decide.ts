import { MnemoError, type MembershipEvent, type MembershipSource, type WorkspaceRole } from '@mnemo/contracts';
import type { Decider } from '../decider';
import { evolveMembership, initialMembershipState, type MembershipState } from './membership.evolve';

/**
 * One stream per (workspace, user): a user's membership changes never contend with another member's. Rules over
 * the whole member set (the last owner) are guarded by a locked row when removal and demotion arrive.
 */
export function membershipStreamId(workspaceId: number, userId: string): string {
  return `membership-${workspaceId}-${userId}`;
}

export type MembershipCommand = {
  type: 'GrantMembership';
  workspaceId: number;
  userId: string;
  role: WorkspaceRole;
  via: MembershipSource;
};

export function decideMembership(command: MembershipCommand, state: MembershipState): MembershipEvent[] {
  switch (command.type) {
    case 'GrantMembership': {
      if (state.isMember) throw new MnemoError('CONFLICT', 'the user is already a member of this workspace', { role: state.role });
      // API.md: invitations and join codes never grant owner; only creating a workspace or an owner does.
      if (command.role === 'owner' && (command.via === 'invitation' || command.via === 'join_code')) {
        throw new MnemoError('VALIDATION_ERROR', `${command.via === 'invitation' ? 'an invitation' : 'a join code'} cannot grant the owner role`, {
          field: 'role',
        });
      }
      return [
        {
          type: 'membership.granted',
          data: { workspace_id: command.workspaceId, user_id: command.userId, role: command.role, via: command.via },
        },
      ];
    }
  }
}

export const membershipDecider: Decider<MembershipCommand, MembershipState, MembershipEvent> = {
  initialState: initialMembershipState,
  decide: decideMembership,
  evolve: evolveMembership,
};
