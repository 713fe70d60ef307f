import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { WORKSPACES_RPC, type InvitationResource, type JoinedWorkspaceReply } from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { workspaceTarget } from '../members/workspace-caller';
import { callService } from '../spine/call-service';
import { AcceptInvitationBody, CreateInvitationBody } from './invitations.dto';

/**
 * Invitations by email for the key's workspace, or the session's `Mnemo-Workspace` (unison). Pending for 7
 * days; accepted by verifying the invited address, or with the invitation's token — which only the creating
 * answer shows (sending it by mail is identity's Mailer's job, not yet wired).
 */
@ApiTags('invitations')
@ApiBearerAuth()
@Controller('v1/auth/invitations')
export class InvitationsController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private call<T>(operation: string, payload: unknown, request: FastifyRequest): Promise<T> {
    return callService(this.runtime.rpc, 'workspaces', operation, payload, request);
  }

  @Post()
  async create(@Body() body: CreateInvitationBody, @Req() request: FastifyRequest): Promise<InvitationResource> {
    return this.call(WORKSPACES_RPC.createInvitation, { ...workspaceTarget(request), email: body.email, role: body.role ?? 'member' }, request);
  }

  @Get()
  async list(@Req() request: FastifyRequest): Promise<{ invitations: InvitationResource[] }> {
    return this.call(WORKSPACES_RPC.listInvitations, workspaceTarget(request), request);
  }

  /** Joins the invitation's workspace with the role it names, as the signed-in user. */
  @Post('accept')
  @HttpCode(200)
  async accept(@Body() body: AcceptInvitationBody, @Req() request: FastifyRequest): Promise<JoinedWorkspaceReply> {
    return this.call(WORKSPACES_RPC.acceptInvitation, { user_id: authOf(request).userId, token: body.token }, request);
  }

  @Delete(':id')
  @HttpCode(204)
  async cancel(@Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.call(WORKSPACES_RPC.cancelInvitation, { ...workspaceTarget(request), invitation_id: id }, request);
  }
}
