import type { InvitationEvent, InvitationRole, InvitationStatus } from '@mnemo/contracts';

export type InvitationState =
  | { exists: false }
  | {
      exists: true;
      invitationId: string;
      workspaceId: number;
      email: string;
      role: InvitationRole;
      status: InvitationStatus;
      expiresAt: string;
    };

export const initialInvitationState: InvitationState = { exists: false };

export function evolveInvitation(state: InvitationState, event: InvitationEvent): InvitationState {
  switch (event.type) {
    case 'invitation.created':
      return {
        exists: true,
        invitationId: event.data.invitation_id,
        workspaceId: event.data.workspace_id,
        email: event.data.email,
        role: event.data.role,
        status: 'pending',
        expiresAt: event.data.expires_at,
      };
    case 'invitation.accepted':
      return state.exists ? { ...state, status: 'accepted' } : state;
    case 'invitation.cancelled':
      return state.exists ? { ...state, status: 'cancelled' } : state;
  }
}
