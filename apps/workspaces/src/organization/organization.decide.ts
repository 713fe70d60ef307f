import { MnemoError, WORKSPACE_LIMITS, type OrganizationEvent } from '@mnemo/contracts';
import type { Decider } from '../decider';
import { requireLength, requireSlug } from '../limits';
import { evolveOrganization, initialOrganizationState, type OrganizationState } from './organization.evolve';

/** One stream per organization. */
export function organizationStreamId(organizationId: string): string {
  return `organization-${organizationId}`;
}

export type OrganizationCommand = {
  type: 'CreateOrganization';
  organizationId: string;
  name: string;
  /** Already reserved by the caller (slug reservations are a cross-aggregate guard). */
  slug: string;
  ownerUserId: string;
};

export function decideOrganization(command: OrganizationCommand, state: OrganizationState): OrganizationEvent[] {
  switch (command.type) {
    case 'CreateOrganization': {
      if (state.exists) throw new MnemoError('CONFLICT', 'the organization already exists');
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
  }
}

export const organizationDecider: Decider<OrganizationCommand, OrganizationState, OrganizationEvent> = {
  initialState: initialOrganizationState,
  decide: decideOrganization,
  evolve: evolveOrganization,
};
