import type { MembershipEvent, WorkspaceRole } from '@mnemo/contracts';

/** A user's membership of one workspace; after a revocation the user may be granted a membership again. */
export type MembershipState =
  | { isMember: false }
  | { isMember: true; workspaceId: number; userId: string; role: WorkspaceRole };

export const initialMembershipState: MembershipState = { isMember: false };

export function evolveMembership(state: MembershipState, event: MembershipEvent): MembershipState {
  switch (event.type) {
    case 'membership.granted':
      return { isMember: true, workspaceId: event.data.workspace_id, userId: event.data.user_id, role: event.data.role };
    case 'membership.role_changed':
      return state.isMember ? { ...state, role: event.data.role } : state;
    case 'membership.revoked':
      return { isMember: false };
  }
}
