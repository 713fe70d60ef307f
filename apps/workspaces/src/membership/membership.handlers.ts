import { Controller, Inject } from '@nestjs/common';
import { MnemoError, WORKSPACES_RPC, type GetAccessReply, type ListUserWorkspacesReply } from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { parseUserRequest, parseWorkspaceUserRequest } from '../rpc-requests';
import { findAccess, listAccessibleWorkspaces } from './access';

@Controller()
export class MembershipHandlers {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

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
}
