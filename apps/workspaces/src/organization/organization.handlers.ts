import { Controller, Inject } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import {
  MnemoError,
  WORKSPACES_RPC,
  type OrganizationAccessResource,
  type OrganizationMemberResource,
  type OrganizationResource,
  type RpcMetadata,
  type RpcReply,
  type Versioned,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { actorOf } from '../actor';
import { runCommand } from '../command-transaction';
import { IdentityUsers } from '../identity-users';
import {
  parseAddOrganizationMemberRequest,
  parseChangeOrganizationMemberRoleRequest,
  parseCreateOrganizationRequest,
  parseOrganizationMemberRequest,
  parseRenameOrganizationRequest,
  parseUserOrganizationRequest,
  parseUserRequest,
} from '../rpc-requests';
import { reserveChosenSlug, reserveSlug } from '../slugs/slug-reservations';
import { slugFromName } from '../slugs/slug';
import { parseVersioning, requireCurrentVersion, versioned } from '../versioned-reply';
import { requireManager } from '../membership/grant-rules';
import { appendNewOrganization } from '../workspace/workspace-creation';
import { decideOnOrganization, lockOrganization, organizationRoleOf } from './organization.commands';
import { OrganizationMemberRecord, OrganizationRecord, toOrganizationResource } from './organization.projection';

@Controller()
export class OrganizationHandlers {
  private readonly users: IdentityUsers;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {
    this.users = new IdentityUsers(runtime.rpc);
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.createOrganization)
  async create(data: unknown, metadata: RpcMetadata): Promise<RpcReply<OrganizationResource>> {
    const request = parseCreateOrganizationRequest(data);
    const actor = actorOf(metadata, request.userId);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.createOrganization, metadata, body: data }, async (em) => {
      const organizationId = uuidv7();
      const slug = request.slug
        ? await reserveChosenSlug(em, 'organization', request.slug, organizationId)
        : await reserveSlug(em, 'organization', slugFromName(request.name), organizationId);
      await appendNewOrganization(em, this.runtime.store, { organizationId, name: request.name, slug, ownerUserId: request.userId, actor });
      return toOrganizationResource(await em.findOneOrFail(OrganizationRecord, { id: organizationId }), 'owner');
    });
  }

  /** executor's listMine: the organizations the user is a member of, oldest first. */
  @RpcHandler('workspaces', WORKSPACES_RPC.listOrganizations)
  async list(data: unknown): Promise<{ organizations: OrganizationResource[] }> {
    const { userId } = parseUserRequest(data);
    const em = this.runtime.orm.em.fork();
    const memberships = await em.find(OrganizationMemberRecord, { userId });
    if (memberships.length === 0) return { organizations: [] };
    const roles = new Map(memberships.map((m) => [m.organizationId, m.role]));
    const organizations = await em.find(OrganizationRecord, { id: { $in: [...roles.keys()] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return { organizations: organizations.map((organization) => toOrganizationResource(organization, roles.get(organization.id))) };
  }

  /** executor's getOrganizationAccess. */
  @RpcHandler('workspaces', WORKSPACES_RPC.getOrganizationAccess)
  async access(data: unknown): Promise<OrganizationAccessResource> {
    const { userId, organizationId } = parseUserOrganizationRequest(data);
    const role = await organizationRoleOf(this.runtime.orm.em.fork(), organizationId, userId);
    return { role, is_admin: role === 'owner' || role === 'admin', can_manage_billing: role === 'owner' || role === 'billing_admin' };
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.renameOrganization)
  async rename(data: unknown, metadata: RpcMetadata): Promise<RpcReply<OrganizationResource | Versioned<OrganizationResource>>> {
    const request = parseRenameOrganizationRequest(data);
    const versioning = parseVersioning(data);
    const actor = actorOf(metadata, request.userId);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.renameOrganization, metadata, body: data }, async (em) => {
      await lockOrganization(em, request.organizationId, 'update');
      const versionBefore = (await em.findOneOrFail(OrganizationRecord, { id: request.organizationId })).version;
      await decideOnOrganization(
        em,
        this.runtime.store,
        request.organizationId,
        { type: 'RenameOrganization', name: request.name, actorUserId: request.userId, actorOwnsAWorkspace: false },
        actor,
      );
      const role = await organizationRoleOf(em, request.organizationId, request.userId);
      requireCurrentVersion(versionBefore, versioning);
      const organization = await em.findOneOrFail(OrganizationRecord, { id: request.organizationId });
      return versioned(toOrganizationResource(organization, role), organization.version, versioning);
    });
  }

  /** Only an organization without workspaces can be deleted; its slug is free again afterwards. */
  @RpcHandler('workspaces', WORKSPACES_RPC.deleteOrganization)
  async delete(data: unknown, metadata: RpcMetadata): Promise<RpcReply<{ deleted: true }>> {
    const request = parseUserOrganizationRequest(data);
    const actor = actorOf(metadata, request.userId);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.deleteOrganization, metadata, body: data }, async (em) => {
      // Locked FOR UPDATE: creating a workspace in it takes the row FOR SHARE, so the count below stays true.
      await lockOrganization(em, request.organizationId, 'update');
      const [{ count }] = await em.execute<{ count: string }[]>('SELECT count(*) AS count FROM workspaces WHERE organization_id = ?', [request.organizationId]);
      await decideOnOrganization(
        em,
        this.runtime.store,
        request.organizationId,
        { type: 'DeleteOrganization', actorUserId: request.userId, workspaceCount: Number(count), erasureId: null },
        actor,
      );
      return { deleted: true as const };
    });
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.listOrganizationMembers)
  async listMembers(data: unknown): Promise<{ members: OrganizationMemberResource[] }> {
    const { userId, organizationId } = parseUserOrganizationRequest(data);
    const em = this.runtime.orm.em.fork();
    await organizationRoleOf(em, organizationId, userId);
    const members = await em.find(OrganizationMemberRecord, { organizationId }, { orderBy: { joinedAt: 'asc', userId: 'asc' } });
    const users = await this.users.getMany(members.map((m) => m.userId));
    return { members: members.map((member) => toOrganizationMemberResource(member, users.get(member.userId) ?? null)) };
  }

  /** Adds an existing user with a verified email; the roster's grant rules are the aggregate's. */
  @RpcHandler('workspaces', WORKSPACES_RPC.addOrganizationMember)
  async addMember(data: unknown, metadata: RpcMetadata): Promise<RpcReply<OrganizationMemberResource>> {
    const request = parseAddOrganizationMemberRequest(data);
    const actor = actorOf(metadata, request.userId);
    // Who may add members is checked before the email is looked up, so members cannot probe for accounts.
    requireManager(await organizationRoleOf(this.runtime.orm.em.fork(), request.organizationId, request.userId));
    const user = await this.users.findByEmail(request.email);
    if (!user || !user.email_verified) {
      throw new MnemoError('NOT_FOUND', 'no account with a verified email address like this; invite them to a workspace first', { field: 'email' });
    }
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.addOrganizationMember, metadata, body: data }, async (em) => {
      await lockOrganization(em, request.organizationId, 'update');
      await decideOnOrganization(
        em,
        this.runtime.store,
        request.organizationId,
        { type: 'AddOrganizationMember', userId: user.id, role: request.role, actorUserId: request.userId },
        actor,
      );
      return toOrganizationMemberResource(await em.findOneOrFail(OrganizationMemberRecord, { organizationId: request.organizationId, userId: user.id }), user);
    });
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.changeOrganizationMemberRole)
  async changeRole(data: unknown, metadata: RpcMetadata): Promise<RpcReply<OrganizationMemberResource>> {
    const request = parseChangeOrganizationMemberRoleRequest(data);
    const actor = actorOf(metadata, request.userId);
    const user = await this.users.get(request.memberUserId);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.changeOrganizationMemberRole, metadata, body: data }, async (em) => {
      await lockOrganization(em, request.organizationId, 'update');
      await decideOnOrganization(
        em,
        this.runtime.store,
        request.organizationId,
        { type: 'ChangeOrganizationMemberRole', userId: request.memberUserId, role: request.role, actorUserId: request.userId },
        actor,
      );
      const member = await em.findOneOrFail(OrganizationMemberRecord, { organizationId: request.organizationId, userId: request.memberUserId });
      return toOrganizationMemberResource(member, user);
    });
  }

  /** Removes a member, or (a user removing themself) leaves; never the last owner. */
  @RpcHandler('workspaces', WORKSPACES_RPC.removeOrganizationMember)
  async removeMember(data: unknown, metadata: RpcMetadata): Promise<RpcReply<{ removed: true }>> {
    const request = parseOrganizationMemberRequest(data);
    const actor = actorOf(metadata, request.userId);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.removeOrganizationMember, metadata, body: data }, async (em) => {
      await lockOrganization(em, request.organizationId, 'update');
      await decideOnOrganization(
        em,
        this.runtime.store,
        request.organizationId,
        { type: 'RemoveOrganizationMember', userId: request.memberUserId, actorUserId: request.userId },
        actor,
      );
      return { removed: true as const };
    });
  }
}

export function toOrganizationMemberResource(member: OrganizationMemberRecord, user: { email: string; name: string | null } | null): OrganizationMemberResource {
  return {
    user: { id: member.userId, email: user?.email ?? null, name: user?.name ?? null },
    role: member.role,
    joined_at: member.joinedAt.toISOString(),
  };
}
