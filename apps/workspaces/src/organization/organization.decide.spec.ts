import type { OrganizationEvent, OrganizationRole } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import { organizationDecider, type OrganizationCommand } from './organization.decide';
import { evolveOrganization, initialOrganizationState } from './organization.evolve';

const organizationId = '01900000-0000-7000-8000-000000000001';
const ada = '01900000-0000-7000-8000-0000000000ad';
const bob = '01900000-0000-7000-8000-0000000000b0';
const cy = '01900000-0000-7000-8000-0000000000c0';
const dee = '01900000-0000-7000-8000-0000000000d0';

const create = (overrides: Partial<Extract<OrganizationCommand, { type: 'CreateOrganization' }>> = {}): OrganizationCommand => ({
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
const added = (user_id: string, role: OrganizationRole): OrganizationEvent => ({ type: 'organization.member_added', data: { organization_id: organizationId, user_id, role } });
/** Ada owns it; Bob is an admin, Cy a member, Dee a billing admin. */
const staffed: OrganizationEvent[] = [...created, added(bob, 'admin'), added(cy, 'member'), added(dee, 'billing_admin')];

describe('organization', () => {
  describe('creation', () => {
    it('is created with its creator as the first owner', () => {
      given(organizationDecider, []).when(create()).then(created);
    });

    it('cannot be created twice, nor again after deletion', () => {
      given(organizationDecider, created).when(create()).thenFails('CONFLICT');
      given(organizationDecider, [...created, { type: 'organization.deleted', data: { organization_id: organizationId, erasure_id: null } }])
        .when(create())
        .thenFails('CONFLICT');
    });

    it.each([
      ['a name shorter than 2 characters', { name: 'A' }, 'organization_name'],
      ['a name longer than 80 characters', { name: 'x'.repeat(81) }, 'organization_name'],
      ['a slug with capitals', { slug: 'Ada' }, 'organization_slug'],
      ['a slug ending in a hyphen', { slug: 'ada-' }, 'organization_slug'],
    ])('refuses %s', (_, overrides, field) => {
      given(organizationDecider, []).when(create(overrides)).thenFails('VALIDATION_ERROR', { field });
    });

    it('accepts names of 2 and 80 characters, counted in characters, not UTF-16 units', () => {
      for (const name of ['Ab', 'x'.repeat(80), '🦊'.repeat(80)]) {
        given(organizationDecider, []).when(create({ name })).then([{ ...created[0], data: { ...created[0].data, name } } as OrganizationEvent, created[1]]);
      }
    });
  });

  describe('rename', () => {
    const rename = (actorUserId: string, name = 'Analytical Engines', actorOwnsAWorkspace = false): OrganizationCommand => ({
      type: 'RenameOrganization',
      name,
      actorUserId,
      actorOwnsAWorkspace,
    });

    it('is for owners', () => {
      given(organizationDecider, staffed).when(rename(ada)).then([{ type: 'organization.renamed', data: { organization_id: organizationId, name: 'Analytical Engines' } }]);
    });

    it('is also for the owner of one of its workspaces (updateOrganizationName), org member or not', () => {
      given(organizationDecider, staffed).when(rename(cy, 'By a workspace owner', true)).then([
        { type: 'organization.renamed', data: { organization_id: organizationId, name: 'By a workspace owner' } },
      ]);
    });

    it.each([bob, cy, dee])('is refused to admins, members and billing admins (%s)', (actor) => {
      given(organizationDecider, staffed).when(rename(actor)).thenFails('FORBIDDEN', { required_role: 'owner' });
    });

    it('does not exist for a stranger', () => {
      given(organizationDecider, staffed).when(rename('01900000-0000-7000-8000-00000000ffff')).thenFails('NOT_FOUND');
    });

    it('keeps names within 2–80 characters', () => {
      given(organizationDecider, staffed).when(rename(ada, 'x'.repeat(80))).then([{ type: 'organization.renamed', data: { organization_id: organizationId, name: 'x'.repeat(80) } }]);
      given(organizationDecider, staffed).when(rename(ada, 'x'.repeat(81))).thenFails('VALIDATION_ERROR', { field: 'name' });
      given(organizationDecider, staffed).when(rename(ada, 'Ab')).then([{ type: 'organization.renamed', data: { organization_id: organizationId, name: 'Ab' } }]);
      given(organizationDecider, staffed).when(rename(ada, 'A')).thenFails('VALIDATION_ERROR', { field: 'name' });
    });

    it('changes nothing when the name is the same', () => {
      given(organizationDecider, staffed).when(rename(ada, "Ada's workspace")).then([]);
    });
  });

  describe('members', () => {
    const newcomer = '01900000-0000-7000-8000-0000000000e0';
    const add = (actorUserId: string, role: OrganizationRole, userId = newcomer): OrganizationCommand => ({ type: 'AddOrganizationMember', userId, role, actorUserId });
    const change = (actorUserId: string, userId: string, role: OrganizationRole): OrganizationCommand => ({
      type: 'ChangeOrganizationMemberRole',
      userId,
      role,
      actorUserId,
    });
    const remove = (actorUserId: string, userId: string): OrganizationCommand => ({ type: 'RemoveOrganizationMember', userId, actorUserId });

    it.each(['owner', 'admin', 'member', 'billing_admin'] as const)('an owner adds a %s', (role) => {
      given(organizationDecider, staffed).when(add(ada, role)).then([added(newcomer, role)]);
    });

    it.each(['member', 'billing_admin'] as const)('an admin adds a %s', (role) => {
      given(organizationDecider, staffed).when(add(bob, role)).then([added(newcomer, role)]);
    });

    it.each(['owner', 'admin'] as const)('only owners grant %s', (role) => {
      given(organizationDecider, staffed).when(add(bob, role)).thenFails('FORBIDDEN', { required_role: 'owner' });
    });

    it.each([cy, dee])('members and billing admins add nobody (%s)', (actor) => {
      given(organizationDecider, staffed).when(add(actor, 'member')).thenFails('FORBIDDEN', { required_role: 'admin' });
    });

    it('refuses a member twice and an unknown role', () => {
      given(organizationDecider, staffed).when(add(ada, 'member', cy)).thenFails('CONFLICT', { role: 'member' });
      given(organizationDecider, staffed).when(add(ada, 'viewer' as OrganizationRole)).thenFails('VALIDATION_ERROR', { field: 'role' });
    });

    it('an owner changes any role, including making another owner', () => {
      given(organizationDecider, staffed).when(change(ada, cy, 'owner')).then([
        { type: 'organization.member_role_changed', data: { organization_id: organizationId, user_id: cy, role: 'owner', previous_role: 'member' } },
      ]);
      given(organizationDecider, staffed).when(change(ada, bob, 'member')).then([
        { type: 'organization.member_role_changed', data: { organization_id: organizationId, user_id: bob, role: 'member', previous_role: 'admin' } },
      ]);
    });

    it('an admin moves members between member and billing_admin, but never to or from owner/admin', () => {
      given(organizationDecider, staffed).when(change(bob, cy, 'billing_admin')).then([
        { type: 'organization.member_role_changed', data: { organization_id: organizationId, user_id: cy, role: 'billing_admin', previous_role: 'member' } },
      ]);
      given(organizationDecider, staffed).when(change(bob, cy, 'admin')).thenFails('FORBIDDEN');
      given(organizationDecider, staffed).when(change(bob, ada, 'member')).thenFails('FORBIDDEN');
      given(organizationDecider, staffed).when(change(bob, bob, 'member')).thenFails('FORBIDDEN');
    });

    it('never demotes the last owner, not even by themself', () => {
      given(organizationDecider, staffed).when(change(ada, ada, 'admin')).thenFails('CONFLICT', { reason: 'last_owner' });
    });

    it('lets an owner step down once there is another owner', () => {
      given(organizationDecider, [...staffed, added(newcomer, 'owner')]).when(change(ada, ada, 'member')).then([
        { type: 'organization.member_role_changed', data: { organization_id: organizationId, user_id: ada, role: 'member', previous_role: 'owner' } },
      ]);
    });

    it('changes nothing when the role is the same, and knows no non-member', () => {
      given(organizationDecider, staffed).when(change(ada, cy, 'member')).then([]);
      given(organizationDecider, staffed).when(change(ada, newcomer, 'member')).thenFails('NOT_FOUND');
    });

    it('removes members: admins remove members, owners anyone but the last owner', () => {
      given(organizationDecider, staffed).when(remove(bob, cy)).then([
        { type: 'organization.member_removed', data: { organization_id: organizationId, user_id: cy, reason: 'removed' } },
      ]);
      given(organizationDecider, staffed).when(remove(ada, bob)).then([
        { type: 'organization.member_removed', data: { organization_id: organizationId, user_id: bob, reason: 'removed' } },
      ]);
      given(organizationDecider, staffed).when(remove(bob, ada)).thenFails('FORBIDDEN');
      given(organizationDecider, staffed).when(remove(cy, dee)).thenFails('FORBIDDEN', { required_role: 'admin' });
      given(organizationDecider, staffed).when(remove(ada, newcomer)).thenFails('NOT_FOUND');
    });

    it('lets anyone leave, except the last owner', () => {
      given(organizationDecider, staffed).when(remove(dee, dee)).then([
        { type: 'organization.member_removed', data: { organization_id: organizationId, user_id: dee, reason: 'left' } },
      ]);
      given(organizationDecider, staffed).when(remove(ada, ada)).thenFails('CONFLICT', { reason: 'last_owner' });
      given(organizationDecider, [...staffed, added(newcomer, 'owner')]).when(remove(ada, ada)).then([
        { type: 'organization.member_removed', data: { organization_id: organizationId, user_id: ada, reason: 'left' } },
      ]);
    });

    it('erases a member of an organization that keeps an owner, never the last owner, and forgets someone already gone', () => {
      given(organizationDecider, staffed).when({ type: 'EraseOrganizationMember', userId: cy }).then([
        { type: 'organization.member_removed', data: { organization_id: organizationId, user_id: cy, reason: 'erased' } },
      ]);
      given(organizationDecider, staffed).when({ type: 'EraseOrganizationMember', userId: ada }).thenFails('CONFLICT', { reason: 'last_owner' });
      given(organizationDecider, staffed).when({ type: 'EraseOrganizationMember', userId: newcomer }).then([]);
    });
  });

  describe('deletion', () => {
    const remove = (actorUserId: string | null, workspaceCount = 0, erasureId: string | null = null): OrganizationCommand => ({
      type: 'DeleteOrganization',
      actorUserId,
      workspaceCount,
      erasureId,
    });

    it('is for owners, once the organization has no workspaces', () => {
      given(organizationDecider, staffed).when(remove(ada)).then([{ type: 'organization.deleted', data: { organization_id: organizationId, erasure_id: null } }]);
      given(organizationDecider, staffed).when(remove(ada, 1)).thenFails('CONFLICT', { reason: 'has_workspaces', workspace_count: 1 });
      given(organizationDecider, staffed).when(remove(bob)).thenFails('FORBIDDEN', { required_role: 'owner' });
    });

    it('happens in an account erasure without an actor, with the erasure id', () => {
      given(organizationDecider, created).when(remove(null, 0, 'erasure-1')).then([
        { type: 'organization.deleted', data: { organization_id: organizationId, erasure_id: 'erasure-1' } },
      ]);
    });

    it('leaves an organization that no longer exists for anyone', () => {
      const deleted: OrganizationEvent[] = [...staffed, { type: 'organization.deleted', data: { organization_id: organizationId, erasure_id: null } }];
      given(organizationDecider, deleted).when(remove(ada)).thenFails('NOT_FOUND');
      given(organizationDecider, deleted).when({ type: 'AddOrganizationMember', userId: bob, role: 'member', actorUserId: ada }).thenFails('NOT_FOUND');
    });
  });

  it('evolves into an organization whose roster follows its events', () => {
    expect(created.reduce(evolveOrganization, initialOrganizationState)).toEqual({
      exists: true,
      organizationId,
      name: "Ada's workspace",
      slug: 'adas-workspace',
      members: { [ada]: 'owner' },
    });
    const later = [
      ...staffed,
      { type: 'organization.renamed', data: { organization_id: organizationId, name: 'Renamed' } },
      { type: 'organization.member_role_changed', data: { organization_id: organizationId, user_id: cy, role: 'admin', previous_role: 'member' } },
      { type: 'organization.member_removed', data: { organization_id: organizationId, user_id: dee, reason: 'left' } },
    ] as OrganizationEvent[];
    expect(later.reduce(evolveOrganization, initialOrganizationState)).toMatchObject({ name: 'Renamed', members: { [ada]: 'owner', [bob]: 'admin', [cy]: 'admin' } });
    expect(
      [...later, { type: 'organization.deleted', data: { organization_id: organizationId, erasure_id: null } } as OrganizationEvent].reduce(evolveOrganization, initialOrganizationState),
    ).toEqual({ exists: false, deleted: true });
  });
});
