import { INVITATION_ROLES, MnemoError, type InvitationEvent, type InvitationRole, type WorkspaceRole } from '@mnemo/contracts';
import type { Decider } from '../decider';
import { requireManager, requireOwnerForPrivileged } from '../membership/grant-rules';
import { evolveInvitation, initialInvitationState, type InvitationState } from './invitation.evolve';

/** One stream per invitation. */
export function invitationStreamId(invitationId: string): string {
  return `invitation-${invitationId}`;
}

export type InvitationCommand =
  | {
      type: 'CreateInvitation';
      invitationId: string;
      workspaceId: number;
      /** Normalized by the handler. */
      email: string;
      role: InvitationRole;
      invitedBy: string;
      actorRole: WorkspaceRole;
      tokenSha256: string;
      expiresAt: string;
    }
  | {
      type: 'AcceptInvitation';
      userId: string;
      via: 'token' | 'verified_email';
      now: string;
    }
  | { type: 'CancelInvitation'; actorUserId: string; actorRole: WorkspaceRole };

export function decideInvitation(command: InvitationCommand, state: InvitationState): InvitationEvent[] {
  switch (command.type) {
    case 'CreateInvitation': {
      if (state.exists) throw new MnemoError('CONFLICT', 'the invitation already exists');
      if (!(INVITATION_ROLES as readonly string[]).includes(command.role)) {
        // API.md: invitations never grant owner.
        throw new MnemoError('VALIDATION_ERROR', `an invitation's role is one of ${INVITATION_ROLES.join(', ')}; it never grants owner`, { field: 'role' });
      }
      requireManager(command.actorRole, 'invite members');
      requireOwnerForPrivileged(command.actorRole, command.role);
      return [
        {
          type: 'invitation.created',
          data: {
            invitation_id: command.invitationId,
            workspace_id: command.workspaceId,
            email: command.email,
            role: command.role,
            invited_by: command.invitedBy,
            token_sha256: command.tokenSha256,
            expires_at: command.expiresAt,
          },
        },
      ];
    }
    case 'AcceptInvitation': {
      if (!state.exists) throw new MnemoError('NOT_FOUND', 'invitation not found');
      if (state.status !== 'pending') throw new MnemoError('CONFLICT', `the invitation was ${state.status}`, { reason: state.status });
      if (Date.parse(command.now) >= Date.parse(state.expiresAt)) {
        throw new MnemoError('CONFLICT', 'the invitation expired; ask for a new one', { reason: 'expired', expires_at: state.expiresAt });
      }
      return [
        {
          type: 'invitation.accepted',
          data: { invitation_id: state.invitationId, workspace_id: state.workspaceId, user_id: command.userId, via: command.via },
        },
      ];
    }
    case 'CancelInvitation': {
      // Accepted and cancelled invitations are no longer in the pending list: for the API they are gone.
      if (!state.exists || state.status !== 'pending') throw new MnemoError('NOT_FOUND', 'invitation not found');
      requireManager(command.actorRole, 'cancel invitations');
      return [
        { type: 'invitation.cancelled', data: { invitation_id: state.invitationId, workspace_id: state.workspaceId, cancelled_by: command.actorUserId } },
      ];
    }
  }
}

export const invitationDecider: Decider<InvitationCommand, InvitationState, InvitationEvent> = {
  initialState: initialInvitationState,
  decide: decideInvitation,
  evolve: evolveInvitation,
};
