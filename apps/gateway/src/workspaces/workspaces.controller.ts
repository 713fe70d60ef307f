import { Controller, Get, Inject, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { WORKSPACES_RPC, type WorkspaceResource } from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';

@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('v1/workspaces')
export class WorkspacesController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  /** Access was checked before this runs: the key's own workspace, or a workspace the session user reaches. */
  @Get(':id')
  async get(@Req() request: FastifyRequest): Promise<WorkspaceResource> {
    return callService(this.runtime.rpc, 'workspaces', WORKSPACES_RPC.getWorkspace, { workspace_id: authOf(request).workspaceId }, request);
  }
}
