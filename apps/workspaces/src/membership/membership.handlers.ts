import { Controller, Inject } from '@nestjs/common';
import {
  MnemoError,
  WORKSPACES_RPC,
  type AddMemberReply,
  type GetAccessReply,
  type ListUserWorkspacesReply,
  type MembershipResource,
  type RpcMetadata,
  type RpcReply,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { actorOf } from '../actor';
import { runCommand } from '../command-transaction';
import { IdentityUsers, normalizeEmail } from '../identity-users';
import { createInvitationInTransaction } from '../invitation/invitation.commands';
import { InvitationMail } from '../invitation/invitation-mail';
import {
  parseAddMemberRequest,
  parseChangeMemberRoleRequest,
  parseUserRequest,
  parseWorkspaceCallerRequest,
  parseWorkspaceMemberRequest,
  parseWorkspaceUserRequest,
} from '../rpc-requests';
import { findAccess, listAccessibleWorkspaces } from './access';
import { lockWorkspace, otherOwners, resolveCaller } from './caller';
import { requireManager } from './grant-rules';
import { decideOnMembership } from './membership.commands';
import { toMembershipResource, WorkspaceMemberRecord } from './membership.projection';

@Controller()
export class MembershipHandlers {
  private readonly users: IdentityUsers;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {
    this.users = new IdentityUsers(runtime.rpc);
  }

  /** The gateway's role check: a user's effective role in one workspace. */
  @RpcHandler('workspaces', WORKSPACES_RPC.getAccess)
  async getAccess(data: unknown): Promise<GetAccessReply> {
    const { workspaceId, userId } = parseWorkspaceUserRequest(data);
    const found = await findAccess(this.runtime.orm.em.fork(), workspaceId, userId);
    // The same answer for "no such workspace" and "not yours": existence never leaks.
    if (!found) throw new MnemoError('NOT_FOUND', 'workspace not found');
    const { workspace, access } = found;
    return {
      workspace_id: workspace.workspaceId,
      organization_id: workspace.organizationId,
      role: access.role,
      via: access.via,
      status: workspace.status,
      plan_name: workspace.planName,
    };
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.listUserWorkspaces)
  async listUserWorkspaces(data: unknown): Promise<ListUserWorkspacesReply> {
    const { userId } = parseUserRequest(data);
    const reachable = await listAccessibleWorkspaces(this.runtime.orm.em.fork(), userId);
    return {
      workspaces: reachable.map(({ workspace, access }) => ({
        workspace_id: workspace.workspaceId,
        name: workspace.name,
        slug: workspace.slug,
        role: access.role,
        organization_id: workspace.organizationId,
        status: workspace.status,
      })),
    };
  }

  /** workspace-api listMembers: members with their user details, oldest first. */
  @RpcHandler('workspaces', WORKSPACES_RPC.listMembers)
  async listMembers(data: unknown): Promise<{ members: MembershipResource[] }> {
    const request = parseWorkspaceCallerRequest(data);
    const em = this.runtime.orm.em.fork();
    requireManager((await resolveCaller(em, request.workspaceId, request.caller)).role, 'list members');
    const members = await em.find(WorkspaceMemberRecord, { workspaceId: request.workspaceId }, { orderBy: { joinedAt: 'asc', userId: 'asc' } });
    const users = await this.users.getMany(members.map((member) => member.userId));
    return { members: members.map((member) => toMembershipResource(member, users.get(member.userId) ?? null)) };
  }

  /**
   * workspace-api addMember: an existing user whose email is verified joins at once; anyone else (no account,
   * or an account that has not proved the address) gets an invitation, accepted by verifying that address or
   * with the invitation's token. So an address taken over by an unverified signup gains nothing.
   */
  @RpcHandler('workspaces', WORKSPACES_RPC.addMember)
  async addMember(data: unknown, metadata: RpcMetadata): Promise<RpcReply<AddMemberReply>> {
    const request = parseAddMemberRequest(data);
    const email = normalizeEmail(request.email);
    // The caller's right to add members is checked before the address is looked up, so nobody else can probe it.
    requireManager((await resolveCaller(this.runtime.orm.em.fork(), request.workspaceId, request.caller)).role, 'add members');
    const user = await this.users.findByEmail(email);
    const redact = (reply: AddMemberReply) => (reply.status === 'invited' ? { ...reply, invitation: { ...reply.invitation, token: undefined } } : reply);
    const reply = await runCommand(this.runtime, { operation: WORKSPACES_RPC.addMember, metadata, body: data, redact }, async (em): Promise<AddMemberReply> => {
      if (user?.email_verified) {
        await lockWorkspace(em, request.workspaceId);
        const caller = await resolveCaller(em, request.workspaceId, request.caller);
        await decideOnMembership(
          em,
          this.runtime.store,
          request.workspaceId,
          user.id,
          { type: 'GrantMembership', workspaceId: request.workspaceId, userId: user.id, role: request.role, via: 'added_by_admin', actorRole: caller.role },
          actorOf(metadata, caller.userId),
        );
        const member = await em.findOneOrFail(WorkspaceMemberRecord, { workspaceId: request.workspaceId, userId: user.id });
        return { status: 'added', membership: toMembershipResource(member, user) };
      }
      if (request.role === 'owner') {
        throw new MnemoError('VALIDATION_ERROR', 'only a user with a verified email can be made an owner; invitations never grant owner', { field: 'role' });
      }
      const invitation = await createInvitationInTransaction(em, this.runtime.store, {
        workspaceId: request.workspaceId,
        caller: request.caller,
        email,
        role: request.role,
        existingUserId: user?.id,
        actor: actorOf(metadata, request.caller.kind === 'session' ? request.caller.user_id : request.caller.created_by),
      });
      return { status: 'invited', invitation };
    });
    // Anyone without a verified account was invited: the invitation goes out by mail once it committed.
    if (reply.ok && reply.data.status === 'invited') await new InvitationMail(this.runtime).send(reply.data.invitation);
    return reply;
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.changeMemberRole)
  async changeMemberRole(data: unknown, metadata: RpcMetadata): Promise<RpcReply<MembershipResource>> {
    const request = parseChangeMemberRoleRequest(data);
    const user = await this.users.get(request.memberUserId);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.changeMemberRole, metadata, body: data }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      const caller = await resolveCaller(em, request.workspaceId, request.caller);
      await decideOnMembership(
        em,
        this.runtime.store,
        request.workspaceId,
        request.memberUserId,
        {
          type: 'ChangeMemberRole',
          role: request.role,
          actorRole: caller.role,
          otherOwners: await otherOwners(em, request.workspaceId, request.memberUserId),
        },
        actorOf(metadata, caller.userId),
      );
      return toMembershipResource(await em.findOneOrFail(WorkspaceMemberRecord, { workspaceId: request.workspaceId, userId: request.memberUserId }), user);
    });
  }

  /** workspace-api removeMember: owners only; a user naming themself leaves instead. */
  @RpcHandler('workspaces', WORKSPACES_RPC.removeMember)
  async removeMember(data: unknown, metadata: RpcMetadata): Promise<RpcReply<{ removed: true }>> {
    const request = parseWorkspaceMemberRequest(data);
    const leaving = request.caller.kind === 'session' && request.caller.user_id === request.memberUserId;
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.removeMember, metadata, body: data }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      const caller = await resolveCaller(em, request.workspaceId, request.caller);
      await decideOnMembership(
        em,
        this.runtime.store,
        request.workspaceId,
        request.memberUserId,
        {
          type: 'RevokeMembership',
          reason: leaving ? 'left' : 'removed',
          actorRole: caller.role,
          otherOwners: await otherOwners(em, request.workspaceId, request.memberUserId),
        },
        actorOf(metadata, caller.userId),
      );
      return { removed: true as const };
    });
  }

  /** Leaving is for the user in person: a key is not a member, so it cannot leave. */
  @RpcHandler('workspaces', WORKSPACES_RPC.leaveWorkspace)
  async leave(data: unknown, metadata: RpcMetadata): Promise<RpcReply<{ left: true }>> {
    const request = parseWorkspaceCallerRequest(data);
    if (request.caller.kind !== 'session') throw new MnemoError('FORBIDDEN', 'leaving a workspace needs a user session, not an API key');
    const userId = request.caller.user_id;
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.leaveWorkspace, metadata, body: data }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      await resolveCaller(em, request.workspaceId, request.caller);
      await decideOnMembership(
        em,
        this.runtime.store,
        request.workspaceId,
        userId,
        { type: 'RevokeMembership', reason: 'left', otherOwners: await otherOwners(em, request.workspaceId, userId) },
        actorOf(metadata, userId),
      );
      return { left: true as const };
    });
  }
}
