import { Controller, Inject } from '@nestjs/common';
import {
  MnemoError,
  WORKSPACES_RPC,
  type CreatePersonalWorkspaceReply,
  type CreateWorkspaceReply,
  type GetWorkspaceReply,
  type GetWorkspaceStandingReply,
  type JoinedWorkspaceReply,
  type JoinInfoResource,
  type OrganizationResource,
  type Provider,
  type RpcMetadata,
  type RpcReply,
  type Versioned,
  type WorkspaceResource,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { actorOf } from '../actor';
import { runCommand } from '../command-transaction';
import { IdentityUsers } from '../identity-users';
import { findAccess, listAccessibleWorkspaces } from '../membership/access';
import { lockWorkspace, resolveCaller } from '../membership/caller';
import { requireManager } from '../membership/grant-rules';
import { decideOnMembership, joinedReply } from '../membership/membership.commands';
import { decideOnOrganization, lockOrganization } from '../organization/organization.commands';
import { OrganizationMemberRecord, OrganizationRecord, toOrganizationResource } from '../organization/organization.projection';
import {
  parseCreatePersonalWorkspaceRequest,
  parseCreateWorkspaceRequest,
  parseJoinByCodeRequest,
  parseListWorkspacesRequest,
  parseRotateJoinCodeRequest,
  parseSetProvidersRequest,
  parseUpdateWorkspaceRequest,
  parseWorkspaceCallerRequest,
  parseWorkspaceIdRequest,
  parseWorkspaceNameRequest,
  parseWorkspaceRequest,
} from '../rpc-requests';
import { claimIcon, releaseIcon } from '../icon/icon-uploads';
import { parseVersioning, requireCurrentVersion, versioned } from '../versioned-reply';
import { createWorkspaceInTransaction } from './create-workspace';
import { joinCodeSha256, newJoinCode, normalizeJoinCode } from './join-code';
import { createPersonalWorkspace } from './personal-workspace';
import { decideOnWorkspace, workspaceResource } from './workspace.commands';
import type { WorkspaceCommand } from './workspace.decide';
import { JoinCodeRecord, toWorkspaceResource, WorkspaceRecord } from './workspace.projection';

function toJoinInfo(record: JoinCodeRecord): JoinInfoResource {
  return { invite_code: record.code, expires_at: record.expiresAt?.toISOString() ?? null };
}

@Controller()
export class WorkspaceHandlers {
  private readonly users: IdentityUsers;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {
    this.users = new IdentityUsers(runtime.rpc);
  }

  /** Signup's first workspace; identity calls it before answering, and may call it again after a crash. */
  @RpcHandler('workspaces', WORKSPACES_RPC.createPersonalWorkspace)
  async createPersonalWorkspace(data: unknown, metadata: RpcMetadata): Promise<CreatePersonalWorkspaceReply> {
    const request = parseCreatePersonalWorkspaceRequest(data);
    return createPersonalWorkspace(this.runtime, { ...request, actor: actorOf(metadata, request.userId) });
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.createWorkspace)
  async createWorkspace(data: unknown, metadata: RpcMetadata): Promise<RpcReply<CreateWorkspaceReply>> {
    const request = parseCreateWorkspaceRequest(data);
    const actor = actorOf(metadata, request.userId);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.createWorkspace, metadata, body: data }, (em) =>
      createWorkspaceInTransaction(em, this.runtime.store, request, actor),
    );
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.getWorkspace)
  async getWorkspace(data: unknown): Promise<GetWorkspaceReply | Versioned<GetWorkspaceReply>> {
    const { workspaceId, userId } = parseWorkspaceRequest(data);
    const em = this.runtime.orm.em.fork();
    const workspace = userId === undefined ? await em.findOne(WorkspaceRecord, { workspaceId }) : (await findAccess(em, workspaceId, userId))?.workspace;
    // The same answer for "no such workspace" and "not yours": existence never leaks.
    if (!workspace) throw new MnemoError('NOT_FOUND', 'workspace not found');
    const organization = await em.findOneOrFail(OrganizationRecord, { id: workspace.organizationId });
    return versioned(toWorkspaceResource(workspace, organization), workspace.version, parseVersioning(data));
  }

  /**
   * workspace-api listAllForUser, or listByOrg with `organization_id`: the workspaces the user reaches, by id.
   * An organization the user is not in and has no workspace of answers NOT_FOUND.
   */
  @RpcHandler('workspaces', WORKSPACES_RPC.listWorkspaces)
  async listWorkspaces(data: unknown): Promise<{ workspaces: WorkspaceResource[] }> {
    const { userId, organizationId } = parseListWorkspacesRequest(data);
    const em = this.runtime.orm.em.fork();
    let reachable = (await listAccessibleWorkspaces(em, userId)).map(({ workspace }) => workspace);
    if (organizationId) {
      reachable = reachable.filter((workspace) => workspace.organizationId === organizationId);
      if (reachable.length === 0 && !(await em.findOne(OrganizationMemberRecord, { organizationId, userId }))) {
        throw new MnemoError('NOT_FOUND', 'organization not found');
      }
    }
    const organizations = await em.find(OrganizationRecord, { id: { $in: [...new Set(reachable.map((w) => w.organizationId))] } });
    const byId = new Map(organizations.map((organization) => [organization.id, organization]));
    return { workspaces: reachable.map((workspace) => toWorkspaceResource(workspace, byId.get(workspace.organizationId)!)) };
  }

  /** workspace-api updateDetails: name (2–80) and domain (2–256), owners only. */
  @RpcHandler('workspaces', WORKSPACES_RPC.updateWorkspace)
  async updateWorkspace(data: unknown, metadata: RpcMetadata): Promise<RpcReply<WorkspaceResource | Versioned<WorkspaceResource>>> {
    const request = parseUpdateWorkspaceRequest(data);
    const versioning = parseVersioning(data);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.updateWorkspace, metadata, body: data }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      const caller = await resolveCaller(em, request.workspaceId, request.caller);
      const versionBefore = caller.workspace.version;
      const iconBefore = caller.workspace.iconStorageId;
      const command: WorkspaceCommand = { type: 'UpdateWorkspaceDetails', actorRole: caller.role };
      if (request.name !== undefined) command.name = request.name;
      if (request.domain !== undefined) command.domain = request.domain;
      if (request.iconStorageId !== undefined) command.iconStorageId = request.iconStorageId;
      await decideOnWorkspace(em, this.runtime.store, request.workspaceId, command, actorOf(metadata, caller.userId));
      requireCurrentVersion(versionBefore, versioning);
      // Any refusal below rolls the whole command back.
      if (request.iconStorageId) await claimIcon(em, request.iconStorageId, { workspaceId: request.workspaceId, userId: caller.userId });
      if (request.iconStorageId !== undefined && iconBefore !== null && iconBefore !== request.iconStorageId) await releaseIcon(em, iconBefore, request.workspaceId);
      const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId: request.workspaceId });
      return versioned(await workspaceResource(em, request.workspaceId), workspace.version, versioning);
    });
  }

  /**
   * workspace-api updateOrganizationName: an owner of the workspace renames its organization (so does the
   * organization's own owner). Keys never act as owners.
   */
  @RpcHandler('workspaces', WORKSPACES_RPC.updateOrganizationName)
  async updateOrganizationName(data: unknown, metadata: RpcMetadata): Promise<RpcReply<OrganizationResource | Versioned<OrganizationResource>>> {
    const request = parseWorkspaceNameRequest(data);
    const versioning = parseVersioning(data);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.updateOrganizationName, metadata, body: data }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      const caller = await resolveCaller(em, request.workspaceId, request.caller);
      const organizationId = caller.workspace.organizationId;
      await lockOrganization(em, organizationId, 'update');
      const organizationRole =
        caller.kind === 'session' ? ((await em.findOne(OrganizationMemberRecord, { organizationId, userId: caller.userId }))?.role ?? null) : null;
      if (caller.role !== 'owner' && organizationRole !== 'owner') {
        throw new MnemoError('FORBIDDEN', 'only owners rename the organization', { required_role: 'owner' });
      }
      // The ETag of this route is the organization's: it answers the organization.
      const versionBefore = (await em.findOneOrFail(OrganizationRecord, { id: organizationId })).version;
      await decideOnOrganization(
        em,
        this.runtime.store,
        organizationId,
        { type: 'RenameOrganization', name: request.name, actorUserId: caller.userId, actorOwnsAWorkspace: caller.role === 'owner' },
        actorOf(metadata, caller.userId),
      );
      requireCurrentVersion(versionBefore, versioning);
      const organization = await em.findOneOrFail(OrganizationRecord, { id: organizationId });
      return versioned(toOrganizationResource(organization, organizationRole), organization.version, versioning);
    });
  }

  /** Status and plan for credentials that are not users (API keys), which reach exactly one workspace. */
  @RpcHandler('workspaces', WORKSPACES_RPC.getWorkspaceStanding)
  async getWorkspaceStanding(data: unknown): Promise<GetWorkspaceStandingReply> {
    const { workspaceId } = parseWorkspaceIdRequest(data);
    const workspace = await this.runtime.orm.em.fork().findOne(WorkspaceRecord, { workspaceId });
    if (!workspace) throw new MnemoError('NOT_FOUND', 'workspace not found');
    return {
      workspace_id: workspace.workspaceId,
      organization_id: workspace.organizationId,
      name: workspace.name,
      slug: workspace.slug,
      status: workspace.status,
      plan_name: workspace.planName,
      billing_cycle: workspace.billingCycle,
      period_start: workspace.periodStart.toISOString(),
      period_end: workspace.periodEnd.toISOString(),
    };
  }

  /** workspace-api getJoinInfo: the code is a credential, so it is for owners and admins. */
  @RpcHandler('workspaces', WORKSPACES_RPC.getJoinInfo)
  async getJoinInfo(data: unknown): Promise<JoinInfoResource> {
    const request = parseWorkspaceCallerRequest(data);
    const em = this.runtime.orm.em.fork();
    const caller = await resolveCaller(em, request.workspaceId, request.caller);
    requireManager(caller.role, 'see the join code');
    return toJoinInfo(await em.findOneOrFail(JoinCodeRecord, { workspaceId: request.workspaceId }));
  }

  /** A new code replaces the old one at once; `expires_at` is optional. A replay answers without the code. */
  @RpcHandler('workspaces', WORKSPACES_RPC.rotateJoinCode)
  async rotateJoinCode(data: unknown, metadata: RpcMetadata): Promise<RpcReply<JoinInfoResource>> {
    const request = parseRotateJoinCodeRequest(data);
    const redact = (info: JoinInfoResource) => ({ expires_at: info.expires_at });
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.rotateJoinCode, metadata, body: data, redact }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      const caller = await resolveCaller(em, request.workspaceId, request.caller);
      const code = newJoinCode();
      const now = new Date();
      await decideOnWorkspace(
        em,
        this.runtime.store,
        request.workspaceId,
        { type: 'RotateJoinCode', joinCodeSha256: joinCodeSha256(code), expiresAt: request.expiresAt, now: now.toISOString(), actorRole: caller.role },
        actorOf(metadata, caller.userId),
      );
      const record = await em.findOneOrFail(JoinCodeRecord, { workspaceId: request.workspaceId });
      record.code = code;
      record.expiresAt = request.expiresAt === null ? null : new Date(request.expiresAt);
      record.issuedAt = now;
      await em.flush();
      return toJoinInfo(record);
    });
  }

  /** workspace-api joinByCode: the user joins as a member. An unknown or expired code answers NOT_FOUND. */
  @RpcHandler('workspaces', WORKSPACES_RPC.joinByCode)
  async joinByCode(data: unknown, metadata: RpcMetadata): Promise<RpcReply<JoinedWorkspaceReply>> {
    const request = parseJoinByCodeRequest(data);
    const code = normalizeJoinCode(request.code);
    const user = await this.users.get(request.userId);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.joinByCode, metadata, body: data }, async (em) => {
      const unknown = () => new MnemoError('NOT_FOUND', 'no workspace has this join code, or it expired');
      const found = await em.findOne(JoinCodeRecord, { code });
      if (!found) throw unknown();
      const workspaceId = found.workspaceId;
      await lockWorkspace(em, workspaceId);
      // Read again under the lock: a rotation that committed meanwhile has already retired this code.
      const [current] = await em.execute<{ code: string; expires_at: Date | null }[]>('SELECT code, expires_at FROM workspace_join_codes WHERE workspace_id = ?', [
        workspaceId,
      ]);
      if (!current || current.code !== code || (current.expires_at && new Date(current.expires_at).getTime() <= Date.now())) throw unknown();
      await decideOnMembership(
        em,
        this.runtime.store,
        workspaceId,
        request.userId,
        { type: 'GrantMembership', workspaceId, userId: request.userId, role: 'member', via: 'join_code' },
        actorOf(metadata, request.userId),
      );
      return joinedReply(em, workspaceId, request.userId, user);
    });
  }

  /** The gateway checked the caller's access to the workspace. */
  @RpcHandler('workspaces', WORKSPACES_RPC.getProviders)
  async getProviders(data: unknown): Promise<{ providers: Provider[] }> {
    const { workspaceId } = parseWorkspaceIdRequest(data);
    const workspace = await this.runtime.orm.em.fork().findOne(WorkspaceRecord, { workspaceId });
    if (!workspace) throw new MnemoError('NOT_FOUND', 'workspace not found');
    return { providers: workspace.enabledProviders };
  }

  /** workspace-api setEnabledProviders: at least one; answers the workspace. */
  @RpcHandler('workspaces', WORKSPACES_RPC.setProviders)
  async setProviders(data: unknown, metadata: RpcMetadata): Promise<RpcReply<WorkspaceResource | Versioned<WorkspaceResource>>> {
    const request = parseSetProvidersRequest(data);
    const versioning = parseVersioning(data);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.setProviders, metadata, body: data }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      const caller = await resolveCaller(em, request.workspaceId, request.caller);
      const versionBefore = caller.workspace.version;
      await decideOnWorkspace(
        em,
        this.runtime.store,
        request.workspaceId,
        { type: 'SetEnabledProviders', providers: request.providers, actorRole: caller.role },
        actorOf(metadata, caller.userId),
      );
      requireCurrentVersion(versionBefore, versioning);
      const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId: request.workspaceId });
      return versioned(await workspaceResource(em, request.workspaceId), workspace.version, versioning);
    });
  }
}

