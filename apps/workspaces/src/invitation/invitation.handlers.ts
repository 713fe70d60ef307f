import { Controller, Inject } from '@nestjs/common';
import {
  MnemoError,
  WORKSPACES_RPC,
  type InvitationResource,
  type InvitationRole,
  type JoinedWorkspaceReply,
  type JoinInvitationsForEmailReply,
  type RpcMetadata,
  type RpcReply,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { actorOf } from '../actor';
import { runCommand } from '../command-transaction';
import { IdentityUsers, normalizeEmail } from '../identity-users';
import { lockWorkspace, resolveCaller } from '../membership/caller';
import { requireManager } from '../membership/grant-rules';
import { joinedReply } from '../membership/membership.commands';
import { WorkspaceMemberRecord } from '../membership/membership.projection';
import {
  parseAcceptInvitationRequest,
  parseCreateInvitationRequest,
  parseInvitationRequest,
  parseJoinInvitationsForEmailRequest,
  parseWorkspaceCallerRequest,
} from '../rpc-requests';
import { acceptInvitationInTransaction, createInvitationInTransaction, decideOnInvitation } from './invitation.commands';
import { invitationTokenSha256 } from './invitation-token';
import { InvitationMail } from './invitation-mail';
import { InvitationRecord, toInvitationResource } from './invitation.projection';

/**
 * Invitations by email (unison): created by owners and admins, pending for 7 days, accepted with their own
 * single-use token or by verifying the invited address. The token is in the creating answer only; once the
 * invitation committed it is mailed to the address through identity's Mailer.
 */
@Controller()
export class InvitationHandlers {
  private readonly users: IdentityUsers;
  private readonly mail: InvitationMail;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {
    this.users = new IdentityUsers(runtime.rpc);
    this.mail = new InvitationMail(runtime);
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.createInvitation)
  async create(data: unknown, metadata: RpcMetadata): Promise<RpcReply<InvitationResource>> {
    const request = parseCreateInvitationRequest(data);
    const email = normalizeEmail(request.email);
    requireManager((await resolveCaller(this.runtime.orm.em.fork(), request.workspaceId, request.caller)).role, 'invite members');
    const existing = await this.users.findByEmail(email);
    const redact = ({ token: _token, ...invitation }: InvitationResource) => invitation;
    const reply = await runCommand(this.runtime, { operation: WORKSPACES_RPC.createInvitation, metadata, body: data, redact }, (em) =>
      createInvitationInTransaction(em, this.runtime.store, {
        workspaceId: request.workspaceId,
        caller: request.caller,
        email,
        role: request.role as InvitationRole,
        existingUserId: existing?.id,
        actor: actorOf(metadata, request.caller.kind === 'session' ? request.caller.user_id : request.caller.created_by),
      }),
    );
    if (reply.ok) await this.mail.send(reply.data);
    return reply;
  }

  /** Pending invitations that have not expired, oldest first. */
  @RpcHandler('workspaces', WORKSPACES_RPC.listInvitations)
  async list(data: unknown): Promise<{ invitations: InvitationResource[] }> {
    const request = parseWorkspaceCallerRequest(data);
    const em = this.runtime.orm.em.fork();
    requireManager((await resolveCaller(em, request.workspaceId, request.caller)).role, 'see invitations');
    const pending = await em.find(
      InvitationRecord,
      { workspaceId: request.workspaceId, status: 'pending', expiresAt: { $gt: new Date() } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return { invitations: pending.map((invitation) => toInvitationResource(invitation)) };
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.cancelInvitation)
  async cancel(data: unknown, metadata: RpcMetadata): Promise<RpcReply<{ cancelled: true }>> {
    const request = parseInvitationRequest(data);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.cancelInvitation, metadata, body: data }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      const caller = await resolveCaller(em, request.workspaceId, request.caller);
      // Another workspace's invitation does not exist here.
      const invitation = await em.findOne(InvitationRecord, { id: request.invitationId, workspaceId: request.workspaceId });
      if (!invitation) throw new MnemoError('NOT_FOUND', 'invitation not found');
      await decideOnInvitation(
        em,
        this.runtime.store,
        request.workspaceId,
        invitation.id,
        { type: 'CancelInvitation', actorUserId: caller.userId, actorRole: caller.role },
        actorOf(metadata, caller.userId),
      );
      return { cancelled: true as const };
    });
  }

  /** By the invitation's own token, whoever presents it (signed in): it was sent to the invited address. */
  @RpcHandler('workspaces', WORKSPACES_RPC.acceptInvitation)
  async accept(data: unknown, metadata: RpcMetadata): Promise<RpcReply<JoinedWorkspaceReply>> {
    const request = parseAcceptInvitationRequest(data);
    const user = await this.users.get(request.userId);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.acceptInvitation, metadata, body: data }, async (em) => {
      const invitation = await em.findOne(InvitationRecord, { tokenSha256: invitationTokenSha256(request.token) });
      if (!invitation) throw new MnemoError('NOT_FOUND', 'invitation not found');
      await acceptInvitationInTransaction(em, this.runtime.store, invitation, request.userId, 'token', actorOf(metadata, request.userId));
      return joinedReply(em, invitation.workspaceId, request.userId, user);
    });
  }

  /**
   * Identity calls this once the user has verified `email`: every pending, unexpired invitation for it becomes
   * a membership (one transaction each, so one refusal does not undo the others). Workspaces the user is
   * already in are skipped, their invitations left as they are. Safe to repeat.
   */
  @RpcHandler('workspaces', WORKSPACES_RPC.joinInvitationsForEmail)
  async joinInvitationsForEmail(data: unknown, metadata: RpcMetadata): Promise<JoinInvitationsForEmailReply> {
    const { userId, email } = parseJoinInvitationsForEmailRequest(data);
    const em = this.runtime.orm.em.fork();
    const pending = await em.find(
      InvitationRecord,
      { email: normalizeEmail(email), status: 'pending', expiresAt: { $gt: new Date() } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    const joined: JoinInvitationsForEmailReply['joined'] = [];
    for (const candidate of pending) {
      const reply = await runCommand(this.runtime, { operation: WORKSPACES_RPC.joinInvitationsForEmail, body: data }, async (tx) => {
        await lockWorkspace(tx, candidate.workspaceId);
        if (await tx.findOne(WorkspaceMemberRecord, { workspaceId: candidate.workspaceId, userId })) return null;
        const invitation = await tx.findOneOrFail(InvitationRecord, { id: candidate.id });
        await acceptInvitationInTransaction(tx, this.runtime.store, invitation, userId, 'verified_email', actorOf(metadata, userId));
        return { workspace_id: invitation.workspaceId, role: invitation.role };
      });
      if (reply.ok && reply.data) joined.push(reply.data);
      else if (!reply.ok) this.runtime.logger.info({ invitation_id: candidate.id, code: reply.error.code }, 'pending invitation not joined');
    }
    return { joined };
  }
}
