import type { MembershipEvent, WorkspaceRole } from '@mnemo/contracts';

export type MembershipState =
  | { isMember: false }
  | { isMember: true; workspaceId: number; userId: string; role: WorkspaceRole };

export const initialMembershipState: MembershipState = { isMember: false };

export function evolveMembership(state: MembershipState, event: MembershipEvent): MembershipState {
  switch (event.type) {
    case 'membership.granted':
      return { isMember: true, workspaceId: event.data.workspace_id, userId: event.data.user_id, role: event.data.role };
  }
}
