import type { MembershipEvent, WorkspaceRole } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import { effectiveAccess } from './access';
import { weakerRole } from './grant-rules';
import { membershipDecider, membershipStreamId, type MembershipCommand } from './membership.decide';
import { evolveMembership, initialMembershipState } from './membership.evolve';

const ada = '01900000-0000-7000-8000-0000000000ad';

type Grant = Extract<MembershipCommand, { type: 'GrantMembership' }>;
const grant = (overrides: Partial<Grant> = {}): MembershipCommand => ({
  type: 'GrantMembership',
  workspaceId: 42,
  userId: ada,
  role: 'owner',
  via: 'workspace_creation',
  ...overrides,
});
const granted = (role: WorkspaceRole = 'owner', via: Grant['via'] = 'workspace_creation'): MembershipEvent => ({
  type: 'membership.granted',
  data: { workspace_id: 42, user_id: ada, role, via },
});
const changeRole = (role: WorkspaceRole, actorRole: WorkspaceRole, otherOwners = 0): MembershipCommand => ({ type: 'ChangeMemberRole', role, actorRole, otherOwners });
const roleChanged = (role: WorkspaceRole, previous_role: WorkspaceRole): MembershipEvent => ({
  type: 'membership.role_changed',
  data: { workspace_id: 42, user_id: ada, role, previous_role },
});
const revoke = (reason: Extract<MembershipCommand, { type: 'RevokeMembership' }>['reason'], otherOwners = 0, actorRole?: WorkspaceRole): MembershipCommand => ({
  type: 'RevokeMembership',
  reason,
  otherOwners,
  ...(actorRole ? { actorRole } : {}),
});
const revoked = (reason: 'removed' | 'left' | 'erased' | 'workspace_deleted'): MembershipEvent => ({
  type: 'membership.revoked',
  data: { workspace_id: 42, user_id: ada, reason },
});

describe('membership', () => {
  describe('granting', () => {
    it('makes the creator of a workspace its owner', () => {
      given(membershipDecider, []).when(grant()).then([granted()]);
    });

    it('is granted once per user and workspace', () => {
      given(membershipDecider, [granted()]).when(grant({ role: 'member', via: 'join_code' })).thenFails('CONFLICT', { role: 'owner' });
    });

    it.each(['invitation', 'join_code'] as const)('never grants owner through %s', (via) => {
      given(membershipDecider, []).when(grant({ via })).thenFails('VALIDATION_ERROR', { field: 'role' });
    });

    it('lets a join code make a member, and nothing else', () => {
      given(membershipDecider, []).when(grant({ role: 'member', via: 'join_code' })).then([granted('member', 'join_code')]);
      given(membershipDecider, []).when(grant({ role: 'admin', via: 'join_code' })).thenFails('VALIDATION_ERROR', { field: 'role' });
    });

    it.each(['admin', 'member', 'viewer'] as const)('lets an invitation make an %s', (role) => {
      given(membershipDecider, []).when(grant({ role, via: 'invitation' })).then([granted(role, 'invitation')]);
    });

    it.each([
      ['owner', 'owner'],
      ['owner', 'admin'],
      ['owner', 'member'],
      ['admin', 'member'],
      ['admin', 'viewer'],
    ] as const)('lets an %s add a user as %s', (actorRole, role) => {
      given(membershipDecider, []).when(grant({ role, via: 'added_by_admin', actorRole })).then([granted(role, 'added_by_admin')]);
    });

    it.each([
      ['admin', 'owner'],
      ['admin', 'admin'],
    ] as const)('refuses an %s granting %s: only owners grant owner or admin', (actorRole, role) => {
      given(membershipDecider, []).when(grant({ role, via: 'added_by_admin', actorRole })).thenFails('FORBIDDEN', { required_role: 'owner' });
    });

    it.each(['member', 'viewer'] as const)('refuses a %s adding anyone', (actorRole) => {
      given(membershipDecider, []).when(grant({ role: 'viewer', via: 'added_by_admin', actorRole })).thenFails('FORBIDDEN', { required_role: 'admin' });
    });

    it('grants again after a revocation', () => {
      given(membershipDecider, [granted('member'), revoked('left')]).when(grant({ role: 'member', via: 'join_code' })).then([granted('member', 'join_code')]);
    });
  });

  describe('changing a role', () => {
    it('lets an owner promote a member to admin or owner', () => {
      given(membershipDecider, [granted('member')]).when(changeRole('admin', 'owner')).then([roleChanged('admin', 'member')]);
      given(membershipDecider, [granted('member')]).when(changeRole('owner', 'owner', 1)).then([roleChanged('owner', 'member')]);
    });

    it('lets an admin move people between member and viewer', () => {
      given(membershipDecider, [granted('member')]).when(changeRole('viewer', 'admin')).then([roleChanged('viewer', 'member')]);
      given(membershipDecider, [granted('viewer')]).when(changeRole('member', 'admin')).then([roleChanged('member', 'viewer')]);
    });

    it('refuses an admin granting owner or admin, or changing an owner or admin', () => {
      given(membershipDecider, [granted('member')]).when(changeRole('admin', 'admin')).thenFails('FORBIDDEN', { required_role: 'owner' });
      given(membershipDecider, [granted('member')]).when(changeRole('owner', 'admin')).thenFails('FORBIDDEN', { required_role: 'owner' });
      given(membershipDecider, [granted('admin')]).when(changeRole('member', 'admin')).thenFails('FORBIDDEN', { required_role: 'owner' });
      given(membershipDecider, [granted('owner')]).when(changeRole('member', 'admin', 1)).thenFails('FORBIDDEN', { required_role: 'owner' });
    });

    it.each(['member', 'viewer'] as const)('refuses a %s changing roles', (actorRole) => {
      given(membershipDecider, [granted('viewer')]).when(changeRole('member', actorRole)).thenFails('FORBIDDEN', { required_role: 'admin' });
    });

    it('never demotes the last owner', () => {
      for (const role of ['admin', 'member', 'viewer'] as const) {
        given(membershipDecider, [granted('owner')]).when(changeRole(role, 'owner', 0)).thenFails('CONFLICT', { reason: 'last_owner' });
      }
    });

    it('demotes an owner while another owner remains', () => {
      given(membershipDecider, [granted('owner')]).when(changeRole('member', 'owner', 1)).then([roleChanged('member', 'owner')]);
    });

    it('changes nothing to the same role, refuses an unknown role, and knows no non-member', () => {
      given(membershipDecider, [granted('member')]).when(changeRole('member', 'owner')).then([]);
      given(membershipDecider, [granted('member')]).when(changeRole('superuser' as WorkspaceRole, 'owner')).thenFails('VALIDATION_ERROR', { field: 'role' });
      given(membershipDecider, []).when(changeRole('member', 'owner')).thenFails('NOT_FOUND');
      given(membershipDecider, [granted('member'), revoked('left')]).when(changeRole('viewer', 'owner')).thenFails('NOT_FOUND');
    });
  });

  describe('removal and leaving', () => {
    it('lets an owner remove a member or another owner', () => {
      given(membershipDecider, [granted('member')]).when(revoke('removed', 1, 'owner')).then([revoked('removed')]);
      given(membershipDecider, [granted('owner')]).when(revoke('removed', 1, 'owner')).then([revoked('removed')]);
    });

    it.each(['admin', 'member', 'viewer'] as const)('refuses removal by a %s (workspace-api: owner only)', (actorRole) => {
      given(membershipDecider, [granted('viewer')]).when(revoke('removed', 1, actorRole)).thenFails('FORBIDDEN', { required_role: 'owner' });
    });

    it('never removes the last owner, nor lets the last owner leave or be erased', () => {
      given(membershipDecider, [granted('owner')]).when(revoke('removed', 0, 'owner')).thenFails('CONFLICT', { reason: 'last_owner' });
      given(membershipDecider, [granted('owner')]).when(revoke('left', 0)).thenFails('CONFLICT', { reason: 'last_owner' });
      given(membershipDecider, [granted('owner')]).when(revoke('erased', 0)).thenFails('CONFLICT', { reason: 'last_owner' });
    });

    it('lets a member leave, and an owner once another owner remains', () => {
      given(membershipDecider, [granted('viewer')]).when(revoke('left', 0)).then([revoked('left')]);
      given(membershipDecider, [granted('owner')]).when(revoke('left', 1)).then([revoked('left')]);
    });

    it('revokes the last owner only when the workspace itself is deleted', () => {
      given(membershipDecider, [granted('owner')]).when(revoke('workspace_deleted', 0)).then([revoked('workspace_deleted')]);
    });

    it('answers NOT_FOUND for removing or leaving without a membership, and nothing for a repeated erasure', () => {
      given(membershipDecider, []).when(revoke('removed', 1, 'owner')).thenFails('NOT_FOUND');
      given(membershipDecider, [granted('member'), revoked('left')]).when(revoke('left', 1)).thenFails('NOT_FOUND');
      given(membershipDecider, [granted('member'), revoked('erased')]).when(revoke('erased', 1)).then([]);
      given(membershipDecider, []).when(revoke('workspace_deleted', 0)).then([]);
    });
  });

  it('lives in a stream of its own per workspace and user', () => {
    expect(membershipStreamId(42, ada)).toBe(`membership-42-${ada}`);
  });

  it('evolves through grant, role change and revocation', () => {
    const history = [granted('member'), roleChanged('admin', 'member')];
    expect(history.reduce(evolveMembership, initialMembershipState)).toEqual({ isMember: true, workspaceId: 42, userId: ada, role: 'admin' });
    expect([...history, revoked('removed')].reduce(evolveMembership, initialMembershipState)).toEqual({ isMember: false });
  });
});

describe('effective access', () => {
  it.each([
    ['a workspace owner', 'owner', null, { role: 'owner', via: 'membership' }],
    ['a viewer', 'viewer', null, { role: 'viewer', via: 'membership' }],
    ['an org owner without membership', null, 'owner', { role: 'admin', via: 'organization' }],
    ['an org admin who is a workspace member', 'member', 'admin', { role: 'admin', via: 'organization' }],
    ['an org admin who is a workspace admin', 'admin', 'admin', { role: 'admin', via: 'membership' }],
    ['an org owner who owns the workspace', 'owner', 'owner', { role: 'owner', via: 'membership' }],
    ['a plain org member', null, 'member', null],
    ['an org billing admin', null, 'billing_admin', null],
    ['a stranger', null, null, null],
  ] as const)('of %s', (_, membershipRole, organizationRole, expected) => {
    expect(effectiveAccess(membershipRole, organizationRole)).toEqual(expected);
  });

  it('caps a key at the weaker of its scopes and its creator', () => {
    expect(weakerRole('owner', 'admin')).toBe('admin');
    expect(weakerRole('member', 'admin')).toBe('member');
    expect(weakerRole('viewer', 'viewer')).toBe('viewer');
  });
});
