import type { OrganizationEvent } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import { organizationDecider, type OrganizationCommand } from './organization.decide';
import { evolveOrganization, initialOrganizationState } from './organization.evolve';

const organizationId = '01900000-0000-7000-8000-000000000001';
const ada = '01900000-0000-7000-8000-0000000000ad';

const create = (overrides: Partial<OrganizationCommand> = {}): OrganizationCommand => ({
  type: 'CreateOrganization',
  organizationId,
  name: "Ada's workspace",
  slug: 'adas-workspace',
  ownerUserId: ada,
  ...overrides,
});

const created: OrganizationEvent[] = [
  { type: 'organization.created', data: { organization_id: organizationId, name: "Ada's workspace", slug: 'adas-workspace', created_by: ada } },
  { type: 'organization.member_added', data: { organization_id: organizationId, user_id: ada, role: 'owner' } },
];

describe('organization', () => {
  it('is created with its creator as the first owner', () => {
    given(organizationDecider, []).when(create()).then(created);
  });

  it('cannot be created twice', () => {
    given(organizationDecider, created).when(create()).thenFails('CONFLICT');
  });

  it.each([
    ['a name shorter than 2 characters', { name: 'A' }, 'organization_name'],
    ['a name longer than 80 characters', { name: 'x'.repeat(81) }, 'organization_name'],
    ['a slug with capitals', { slug: 'Ada' }, 'organization_slug'],
    ['a slug ending in a hyphen', { slug: 'ada-' }, 'organization_slug'],
  ])('refuses %s', (_, overrides, field) => {
    given(organizationDecider, []).when(create(overrides)).thenFails('VALIDATION_ERROR', { field });
  });

  it('counts names in characters, not UTF-16 units', () => {
    given(organizationDecider, []).when(create({ name: '🦊'.repeat(80) })).then([
      { ...created[0], data: { ...created[0].data, name: '🦊'.repeat(80) } } as OrganizationEvent,
      created[1],
    ]);
  });

  it('evolves into an organization whose roster holds its owner', () => {
    expect(created.reduce(evolveOrganization, initialOrganizationState)).toEqual({
      exists: true,
      organizationId,
      name: "Ada's workspace",
      slug: 'adas-workspace',
      members: { [ada]: 'owner' },
    });
  });
});
