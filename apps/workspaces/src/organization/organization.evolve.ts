import type { OrganizationEvent, OrganizationRole } from '@mnemo/contracts';

export type OrganizationState =
  | { exists: false; deleted?: boolean }
  | {
      exists: true;
      organizationId: string;
      name: string;
      slug: string;
      /** user id → organization role */
      members: Record<string, OrganizationRole>;
      workosOrganizationId?: string | null;
    };

export const initialOrganizationState: OrganizationState = { exists: false };

export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  switch (event.type) {
    case 'organization.created':
      return { exists: true, organizationId: event.data.organization_id, name: event.data.name, slug: event.data.slug, members: {} };
    case 'organization.deleted':
      return { exists: false, deleted: true };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'organization.member_added':
    case 'organization.member_role_changed':
      return { ...state, members: { ...state.members, [event.data.user_id]: event.data.role } };
    case 'organization.member_removed': {
      const { [event.data.user_id]: _removed, ...members } = state.members;
      return { ...state, members };
    }
    case 'organization.renamed':
      return { ...state, name: event.data.name };
    case 'organization.workos_linked':
      return { ...state, workosOrganizationId: event.data.workos_organization_id };
  }
}
