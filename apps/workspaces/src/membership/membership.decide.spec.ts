import type { MembershipEvent } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import { effectiveAccess } from './access';
import { membershipDecider, membershipStreamId, type MembershipCommand } from './membership.decide';

const ada = '01900000-0000-7000-8000-0000000000ad';

const grant = (overrides: Partial<MembershipCommand> = {}): MembershipCommand => ({
  type: 'GrantMembership',
  workspaceId: 42,
  userId: ada,
  role: 'owner',
  via: 'workspace_creation',
  ...overrides,
});
const granted: MembershipEvent = { type: 'membership.granted', data: { workspace_id: 42, user_id: ada, role: 'owner', via: 'workspace_creation' } };

describe('membership', () => {
  it('makes the creator of a workspace its owner', () => {
    given(membershipDecider, []).when(grant()).then([granted]);
  });

  it('is granted once per user and workspace', () => {
    given(membershipDecider, [granted]).when(grant({ role: 'member', via: 'join_code' })).thenFails('CONFLICT', { role: 'owner' });
  });

  it.each(['invitation', 'join_code'] as const)('never grants owner through %s', (via) => {
    given(membershipDecider, []).when(grant({ via })).thenFails('VALIDATION_ERROR', { field: 'role' });
  });

  it('lets a join code make a member', () => {
    given(membershipDecider, [])
      .when(grant({ role: 'member', via: 'join_code' }))
      .then([{ type: 'membership.granted', data: { workspace_id: 42, user_id: ada, role: 'member', via: 'join_code' } }]);
  });

  it('lives in a stream of its own per workspace and user', () => {
    expect(membershipStreamId(42, ada)).toBe(`membership-42-${ada}`);
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
});
