import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { WORKSPACES_RPC, type JoinedWorkspaceReply } from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { JoinBody } from './members.dto';

/** workspace-api joinByCode: the signed-in user joins as a member. */
@ApiTags('members')
@ApiBearerAuth()
@Controller('v1/join')
export class JoinController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  @Post()
  @HttpCode(200)
  async join(@Body() body: JoinBody, @Req() request: FastifyRequest): Promise<JoinedWorkspaceReply> {
    return callService(this.runtime.rpc, 'workspaces', WORKSPACES_RPC.joinByCode, { user_id: authOf(request).userId, code: body.code }, request);
  }
}
