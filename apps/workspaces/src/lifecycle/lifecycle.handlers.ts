import { Controller, Inject } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import {
  LIFECYCLE_RPC,
  MnemoError,
  type DeleteWorkspaceReply,
  type OrganizationResource,
  type RpcMetadata,
  type RpcReply,
  type WorkspaceStatusResource,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { actorOf } from '../actor';
import { runCommand } from '../command-transaction';
import { lockWorkspace, resolveCaller } from '../membership/caller';
import { decideOnMembership } from '../membership/membership.commands';
import { decideOnOrganization, lockOrganization } from '../organization/organization.commands';
import { OrganizationRecord, toOrganizationResource } from '../organization/organization.projection';
import { parseWorkspaceIdRequest } from '../rpc-requests';
import { periodCaps, periodUsage, STARTUP_PLAN_CATALOG } from '../usage/usage-caps';
import { rehydrate } from '../decider';
import { decideOnWorkspace } from '../workspace/workspace.commands';
import { workspaceDecider, workspaceStreamId } from '../workspace/workspace.decide';
import { WorkspaceRecord } from '../workspace/workspace.projection';
import { parseDeleteWorkspaceRequest, parseLinkWorkosRequest, parseOperatorWorkspaceRequest, parseOverridePlanRequest } from './lifecycle-requests';

/** Operators act through the gateway's admin port, which names them like this in every event. */
const OPERATOR_ACTOR = 'operator:admin-port';

/** The workspace's status and its current period's usage against the plan's caps; answers in every state. */
export async function workspaceStatus(em: EntityManager, workspaceId: number): Promise<WorkspaceStatusResource> {
  const workspace = await em.findOne(WorkspaceRecord, { workspaceId });
  if (!workspace) throw new MnemoError('NOT_FOUND', 'workspace not found');
  return {
    workspace_id: workspace.workspaceId,
    workspace_name: workspace.name,
    workspace_status: workspace.status,
    plan_name: workspace.planName,
    billing_cycle: workspace.billingCycle,
    period_start: workspace.periodStart.toISOString(),
    period_end: workspace.periodEnd.toISOString(),
    usage: await periodUsage(em, workspaceId, workspace.periodStart),
    limits: periodCaps(STARTUP_PLAN_CATALOG(workspace.planName)),
  };
}

/** Lifecycle transitions by operators, `GET /v1/status`, and an owner's deletion of a workspace. */
@Controller()
export class LifecycleHandlers {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  @RpcHandler('workspaces', LIFECYCLE_RPC.getStatus)
  async getStatus(data: unknown): Promise<WorkspaceStatusResource> {
    const { workspaceId } = parseWorkspaceIdRequest(data);
    return workspaceStatus(this.runtime.orm.em.fork(), workspaceId);
  }

  @RpcHandler('workspaces', LIFECYCLE_RPC.suspendWorkspace)
  async suspend(data: unknown, metadata?: RpcMetadata): Promise<RpcReply<WorkspaceStatusResource>> {
    const request = parseOperatorWorkspaceRequest(data);
    return this.operatorCommand(LIFECYCLE_RPC.suspendWorkspace, data, metadata, request.workspaceId, {
      type: 'SuspendWorkspace',
      by: 'operator',
      reason: request.reason,
    });
  }

  @RpcHandler('workspaces', LIFECYCLE_RPC.reinstateWorkspace)
  async reinstate(data: unknown, metadata?: RpcMetadata): Promise<RpcReply<WorkspaceStatusResource>> {
    const request = parseOperatorWorkspaceRequest(data);
    return this.operatorCommand(LIFECYCLE_RPC.reinstateWorkspace, data, metadata, request.workspaceId, {
      type: 'ReinstateWorkspace',
      by: 'operator',
      reason: request.reason,
    });
  }

  /** A plan set by an operator needs no payment; the billing cycle stays unless given. */
  @RpcHandler('workspaces', LIFECYCLE_RPC.overridePlan)
  async overridePlan(data: unknown, metadata?: RpcMetadata): Promise<RpcReply<WorkspaceStatusResource>> {
    const request = parseOverridePlanRequest(data);
    return runCommand(this.runtime, { operation: LIFECYCLE_RPC.overridePlan, metadata, body: data }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId: request.workspaceId });
      await decideOnWorkspace(
        em,
        this.runtime.store,
        request.workspaceId,
        { type: 'ChangePlan', planName: request.planName, billingCycle: request.billingCycle ?? workspace.billingCycle, source: 'operator', reason: request.reason },
        OPERATOR_ACTOR,
      );
      return workspaceStatus(em, request.workspaceId);
    });
  }

  @RpcHandler('workspaces', LIFECYCLE_RPC.linkWorkosOrganization)
  async linkWorkos(data: unknown, metadata?: RpcMetadata): Promise<RpcReply<OrganizationResource>> {
    const request = parseLinkWorkosRequest(data);
    return runCommand(this.runtime, { operation: LIFECYCLE_RPC.linkWorkosOrganization, metadata, body: data }, async (em) => {
      await lockOrganization(em, request.organizationId, 'update');
      await decideOnOrganization(em, this.runtime.store, request.organizationId, { type: 'LinkWorkosOrganization', workosOrganizationId: request.workosOrganizationId }, OPERATOR_ACTOR);
      // Operators see what owners and admins see.
      return toOrganizationResource(await em.findOneOrFail(OrganizationRecord, { id: request.organizationId }), 'owner');
    });
  }

  /**
   * An owner deletes the workspace (its slug repeated to confirm): memberships end, `workspace.deleted` carries a
   * new erasure id, and the other services erase what they hold for it (identity revokes its keys, the memory
   * service its data) when they consume that event.
   */
  @RpcHandler('workspaces', LIFECYCLE_RPC.deleteWorkspace)
  async deleteWorkspace(data: unknown, metadata?: RpcMetadata): Promise<RpcReply<DeleteWorkspaceReply>> {
    const request = parseDeleteWorkspaceRequest(data);
    return runCommand(this.runtime, { operation: LIFECYCLE_RPC.deleteWorkspace, metadata, body: data }, async (em) => {
      await lockWorkspace(em, request.workspaceId);
      const caller = await resolveCaller(em, request.workspaceId, request.caller);
      const actor = actorOf(metadata, caller.userId);
      const erasureId = uuidv7();
      const members = await em.execute<{ user_id: string }[]>('SELECT user_id FROM workspace_members WHERE workspace_id = ? ORDER BY user_id', [request.workspaceId]);
      const store = this.runtime.store;
      const deletion = { type: 'DeleteWorkspace', actorRole: caller.role, erasureId, confirmSlug: request.confirmSlug } as const;
      // The Workspace's rules first (owner, slug), so a refusal comes before any membership ends.
      workspaceDecider.decide(deletion, rehydrate(workspaceDecider, await store.readStream(workspaceStreamId(request.workspaceId), em)));
      for (const member of members) {
        await decideOnMembership(em, store, request.workspaceId, member.user_id, { type: 'RevokeMembership', reason: 'workspace_deleted', otherOwners: 0 }, actor);
      }
      await decideOnWorkspace(em, store, request.workspaceId, deletion, actor);
      return { erasure_id: erasureId };
    });
  }

  private operatorCommand(
    operation: string,
    body: unknown,
    metadata: RpcMetadata | undefined,
    workspaceId: number,
    command: { type: 'SuspendWorkspace' | 'ReinstateWorkspace'; by: 'operator'; reason: string },
  ): Promise<RpcReply<WorkspaceStatusResource>> {
    return runCommand(this.runtime, { operation, metadata, body }, async (em) => {
      await lockWorkspace(em, workspaceId);
      await decideOnWorkspace(em, this.runtime.store, workspaceId, command, OPERATOR_ACTOR);
      return workspaceStatus(em, workspaceId);
    });
  }
}
