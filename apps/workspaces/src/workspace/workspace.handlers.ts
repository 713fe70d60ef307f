import { Controller, Inject } from '@nestjs/common';
import {
  MnemoError,
  WORKSPACES_RPC,
  type CreatePersonalWorkspaceReply,
  type GetWorkspaceReply,
  type GetWorkspaceStandingReply,
  type RpcMetadata,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { actorOf } from '../actor';
import { findAccess } from '../membership/access';
import { OrganizationRecord } from '../organization/organization.projection';
import { parseCreatePersonalWorkspaceRequest, parseWorkspaceIdRequest, parseWorkspaceRequest } from '../rpc-requests';
import { createPersonalWorkspace } from './personal-workspace';
import { toWorkspaceResource, WorkspaceRecord } from './workspace.projection';

@Controller()
export class WorkspaceHandlers {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  /** Signup's first workspace; identity calls it before answering, and may call it again after a crash. */
  @RpcHandler('workspaces', WORKSPACES_RPC.createPersonalWorkspace)
  async createPersonalWorkspace(data: unknown, metadata: RpcMetadata): Promise<CreatePersonalWorkspaceReply> {
    const request = parseCreatePersonalWorkspaceRequest(data);
    return createPersonalWorkspace(this.runtime, { ...request, actor: actorOf(metadata, request.userId) });
  }

  @RpcHandler('workspaces', WORKSPACES_RPC.getWorkspace)
  async getWorkspace(data: unknown): Promise<GetWorkspaceReply> {
    const { workspaceId, userId } = parseWorkspaceRequest(data);
    const em = this.runtime.orm.em.fork();
    const workspace = userId === undefined ? await em.findOne(WorkspaceRecord, { workspaceId }) : (await findAccess(em, workspaceId, userId))?.workspace;
    // The same answer for "no such workspace" and "not yours": existence never leaks.
    if (!workspace) throw new MnemoError('NOT_FOUND', 'workspace not found');
    const organization = await em.findOneOrFail(OrganizationRecord, { id: workspace.organizationId });
    return toWorkspaceResource(workspace, organization);
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
    };
  }
}
