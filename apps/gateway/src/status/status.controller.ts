import { Controller, Get, Inject, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { LIFECYCLE_RPC, type WorkspaceStatusResource } from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';

@ApiTags('status')
@ApiBearerAuth()
@Controller('v1/status')
export class StatusController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  /**
   * The workspace's status, plan and current period's usage against its caps. Answers in every state
   * (suspended, pending_payment, limit_reached too): it is how a client finds out why calls are refused.
   */
  @Get()
  @ApiHeader({ name: 'Mnemo-Workspace', required: false, description: 'sessions: the workspace' })
  async status(@Req() request: FastifyRequest): Promise<WorkspaceStatusResource> {
    return callService(this.runtime.rpc, 'workspaces', LIFECYCLE_RPC.getStatus, { workspace_id: authOf(request).workspaceId }, request);
  }
}
