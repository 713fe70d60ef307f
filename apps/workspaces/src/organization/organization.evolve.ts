import type { OrganizationEvent, OrganizationRole } from '@mnemo/contracts';

export type OrganizationState =
  | { exists: false }
  | {
      exists: true;
      organizationId: string;
      name: string;
      slug: string;
      /** user id → organization role */
      members: Record<string, OrganizationRole>;
    };

export const initialOrganizationState: OrganizationState = { exists: false };

export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  switch (event.type) {
    case 'organization.created':
      return { exists: true, organizationId: event.data.organization_id, name: event.data.name, slug: event.data.slug, members: {} };
    case 'organization.member_added':
      if (!state.exists) return state;
      return { ...state, members: { ...state.members, [event.data.user_id]: event.data.role } };
  }
}
