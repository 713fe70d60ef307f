import type { OrganizationEvent } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import { organizationDecider } from './organization.decide';

const organizationId = '01900000-0000-7000-8000-000000000001';
const ada = '01900000-0000-7000-8000-0000000000ad';
const created: OrganizationEvent[] = [
  { type: 'organization.created', data: { organization_id: organizationId, name: 'Acme', slug: 'acme', created_by: ada } },
  { type: 'organization.member_added', data: { organization_id: organizationId, user_id: ada, role: 'owner' } },
];
const linked = (workos_organization_id: string | null): OrganizationEvent => ({
  type: 'organization.workos_linked',
  data: { organization_id: organizationId, workos_organization_id },
});

describe('organization ↔ WorkOS (operators, on the admin port)', () => {
  it('links, re-links and unlinks', () => {
    given(organizationDecider, created).when({ type: 'LinkWorkosOrganization', workosOrganizationId: 'org_01HZX4ABC' }).then([linked('org_01HZX4ABC')]);
    given(organizationDecider, [...created, linked('org_01HZX4ABC')]).when({ type: 'LinkWorkosOrganization', workosOrganizationId: 'org_02' }).then([linked('org_02')]);
    given(organizationDecider, [...created, linked('org_01HZX4ABC')]).when({ type: 'LinkWorkosOrganization', workosOrganizationId: null }).then([linked(null)]);
  });

  it('changes nothing when the link stays the same', () => {
    given(organizationDecider, [...created, linked('org_1')]).when({ type: 'LinkWorkosOrganization', workosOrganizationId: 'org_1' }).then([]);
    given(organizationDecider, created).when({ type: 'LinkWorkosOrganization', workosOrganizationId: null }).then([]);
  });

  it.each(['acme', 'org_', 'org_has space', `org_${'a'.repeat(97)}`, ''])('refuses %j', (id) => {
    given(organizationDecider, created).when({ type: 'LinkWorkosOrganization', workosOrganizationId: id }).thenFails('VALIDATION_ERROR', { field: 'workos_organization_id' });
  });

  it('accepts the longest id (org_ and 96 letters or digits)', () => {
    const longest = `org_${'a'.repeat(96)}`;
    given(organizationDecider, created).when({ type: 'LinkWorkosOrganization', workosOrganizationId: longest }).then([linked(longest)]);
  });

  it('answers NOT_FOUND for an organization that does not exist', () => {
    given(organizationDecider, []).when({ type: 'LinkWorkosOrganization', workosOrganizationId: 'org_1' }).thenFails('NOT_FOUND');
  });
});
