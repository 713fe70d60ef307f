import type { InvitationEvent, InvitationRole, WorkspaceRole } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import { invitationDecider, invitationStreamId, type InvitationCommand } from './invitation.decide';
import { evolveInvitation, initialInvitationState } from './invitation.evolve';

const invitationId = '01900000-0000-7000-8000-00000000001a';
const ada = '01900000-0000-7000-8000-0000000000ad';
const bob = '01900000-0000-7000-8000-0000000000b0';
const expiresAt = '2026-01-08T00:00:00.000Z';

const create = (role: InvitationRole, actorRole: WorkspaceRole = 'owner'): InvitationCommand => ({
  type: 'CreateInvitation',
  invitationId,
  workspaceId: 42,
  email: 'bob@example.com',
  role,
  invitedBy: ada,
  actorRole,
  tokenSha256: 'd'.repeat(64),
  expiresAt,
});
const created = (role: InvitationRole = 'member'): InvitationEvent => ({
  type: 'invitation.created',
  data: { invitation_id: invitationId, workspace_id: 42, email: 'bob@example.com', role, invited_by: ada, token_sha256: 'd'.repeat(64), expires_at: expiresAt },
});
const accept = (now: string, via: 'token' | 'verified_email' = 'token'): InvitationCommand => ({ type: 'AcceptInvitation', userId: bob, via, now });
const accepted: InvitationEvent = { type: 'invitation.accepted', data: { invitation_id: invitationId, workspace_id: 42, user_id: bob, via: 'token' } };
const cancelled: InvitationEvent = { type: 'invitation.cancelled', data: { invitation_id: invitationId, workspace_id: 42, cancelled_by: ada } };

describe('invitation', () => {
  it.each(['admin', 'member', 'viewer'] as const)('is created by an owner with the role %s', (role) => {
    given(invitationDecider, []).when(create(role)).then([created(role)]);
  });

  it.each(['member', 'viewer'] as const)('is created by an admin with the role %s', (role) => {
    given(invitationDecider, []).when(create(role, 'admin')).then([created(role)]);
  });

  it('never grants owner, and only owners invite admins', () => {
    given(invitationDecider, []).when(create('owner' as InvitationRole)).thenFails('VALIDATION_ERROR', { field: 'role' });
    given(invitationDecider, []).when(create('admin', 'admin')).thenFails('FORBIDDEN', { required_role: 'owner' });
  });

  it.each(['member', 'viewer'] as const)('is refused to a %s', (actorRole) => {
    given(invitationDecider, []).when(create('viewer', actorRole)).thenFails('FORBIDDEN', { required_role: 'admin' });
  });

  it('is created once', () => {
    given(invitationDecider, [created()]).when(create('member')).thenFails('CONFLICT');
  });

  it('is accepted until it expires, by its token or a verified address', () => {
    given(invitationDecider, [created()]).when(accept('2026-01-07T23:59:59.999Z')).then([accepted]);
    given(invitationDecider, [created()]).when(accept('2026-01-01T00:00:00.000Z', 'verified_email')).then([
      { type: 'invitation.accepted', data: { ...accepted.data, via: 'verified_email' } } as InvitationEvent,
    ]);
    given(invitationDecider, [created()]).when(accept(expiresAt)).thenFails('CONFLICT', { reason: 'expired' });
  });

  it('is single-use, and dead once cancelled', () => {
    given(invitationDecider, [created(), accepted]).when(accept('2026-01-02T00:00:00.000Z')).thenFails('CONFLICT', { reason: 'accepted' });
    given(invitationDecider, [created(), cancelled]).when(accept('2026-01-02T00:00:00.000Z')).thenFails('CONFLICT', { reason: 'cancelled' });
    given(invitationDecider, []).when(accept('2026-01-02T00:00:00.000Z')).thenFails('NOT_FOUND');
  });

  it('is cancelled by owners and admins while pending; afterwards it is gone', () => {
    given(invitationDecider, [created()]).when({ type: 'CancelInvitation', actorUserId: ada, actorRole: 'admin' }).then([cancelled]);
    given(invitationDecider, [created()]).when({ type: 'CancelInvitation', actorUserId: ada, actorRole: 'member' }).thenFails('FORBIDDEN');
    given(invitationDecider, [created(), cancelled]).when({ type: 'CancelInvitation', actorUserId: ada, actorRole: 'owner' }).thenFails('NOT_FOUND');
    given(invitationDecider, [created(), accepted]).when({ type: 'CancelInvitation', actorUserId: ada, actorRole: 'owner' }).thenFails('NOT_FOUND');
  });

  it('lives in a stream of its own and evolves to its status', () => {
    expect(invitationStreamId(invitationId)).toBe(`invitation-${invitationId}`);
    expect([created(), accepted].reduce(evolveInvitation, initialInvitationState)).toMatchObject({ status: 'accepted', role: 'member', expiresAt });
    expect([created(), cancelled].reduce(evolveInvitation, initialInvitationState)).toMatchObject({ status: 'cancelled' });
  });
});
