import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { INVITATION_TTL_MS, MnemoError, type InvitationResource, type InvitationRole, type WorkspaceCaller } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { appendDecision } from '../append-decision';
import { lockWorkspace, resolveCaller } from '../membership/caller';
import { decideOnMembership } from '../membership/membership.commands';
import { WorkspaceMemberRecord } from '../membership/membership.projection';
import { invitationDecider, invitationStreamId, type InvitationCommand } from './invitation.decide';
import { invitationTokenSha256, newInvitationToken } from './invitation-token';
import { InvitationRecord, projectInvitation, toInvitationResource } from './invitation.projection';

export async function decideOnInvitation(em: EntityManager, store: EventStore, workspaceId: number, invitationId: string, command: InvitationCommand, actor: string) {
  return appendDecision(em, store, {
    decider: invitationDecider,
    streamId: invitationStreamId(invitationId),
    command,
    owner: { workspaceId: String(workspaceId) },
    actor,
    project: projectInvitation,
  });
}

/** A pending invitation that has not expired yet, for this workspace and address. */
export async function findPendingInvitation(em: EntityManager, workspaceId: number, email: string): Promise<InvitationRecord | null> {
  return em.findOne(InvitationRecord, { workspaceId, email, status: 'pending', expiresAt: { $gt: new Date() } });
}

export interface NewInvitation {
  workspaceId: number;
  caller: WorkspaceCaller;
  /** Normalized. */
  email: string;
  role: InvitationRole;
  /** The account that already has this email, if any: it must not be a member yet. */
  existingUserId?: string;
  actor: string;
}

/**
 * Invites an email address to a workspace, under the workspace lock: one pending invitation per address at a
 * time, none for a member. Answers the invitation with its single-use token, which nothing stores.
 */
export async function createInvitationInTransaction(em: EntityManager, store: EventStore, invitation: NewInvitation): Promise<InvitationResource> {
  const { workspaceId, email } = invitation;
  await lockWorkspace(em, workspaceId);
  const caller = await resolveCaller(em, workspaceId, invitation.caller);
  if (invitation.existingUserId && (await em.findOne(WorkspaceMemberRecord, { workspaceId, userId: invitation.existingUserId }))) {
    throw new MnemoError('CONFLICT', 'this person is already a member of the workspace', { reason: 'already_member' });
  }
  const pending = await findPendingInvitation(em, workspaceId, email);
  if (pending) throw new MnemoError('CONFLICT', 'this address already has a pending invitation; cancel it first', { reason: 'already_invited', invitation_id: pending.id });
  const invitationId = uuidv7();
  const token = newInvitationToken();
  await decideOnInvitation(
    em,
    store,
    workspaceId,
    invitationId,
    {
      type: 'CreateInvitation',
      invitationId,
      workspaceId,
      email,
      role: invitation.role,
      invitedBy: caller.userId,
      actorRole: caller.role,
      tokenSha256: invitationTokenSha256(token),
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS).toISOString(),
    },
    invitation.actor,
  );
  return toInvitationResource(await em.findOneOrFail(InvitationRecord, { id: invitationId }), token);
}

/**
 * Accepts an invitation for a user — by its token, or because the user verified its email — and makes the
 * membership it promised, in one transaction under the workspace lock. A user who is already a member makes
 * the whole command fail (CONFLICT), leaving the invitation pending.
 */
export async function acceptInvitationInTransaction(
  em: EntityManager,
  store: EventStore,
  invitation: InvitationRecord,
  userId: string,
  via: 'token' | 'verified_email',
  actor: string,
): Promise<void> {
  await lockWorkspace(em, invitation.workspaceId);
  await decideOnInvitation(em, store, invitation.workspaceId, invitation.id, { type: 'AcceptInvitation', userId, via, now: new Date().toISOString() }, actor);
  await decideOnMembership(
    em,
    store,
    invitation.workspaceId,
    userId,
    { type: 'GrantMembership', workspaceId: invitation.workspaceId, userId, role: invitation.role, via: 'invitation' },
    actor,
  );
}
