import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { WORKSPACES_RPC, type AddMemberReply, type MembershipResource } from '@mnemo/contracts';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { AddMemberBody, ChangeMemberRoleBody } from './members.dto';
import { workspaceTarget } from './workspace-caller';

/**
 * Members of one workspace. Grant rules (API.md): owners and admins manage members; only owners grant or take
 * away owner and admin and remove members; the last owner can never be removed, demoted or leave.
 */
@ApiTags('members')
@ApiBearerAuth()
@Controller('v1/workspaces/:id/members')
export class MembersController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private call<T>(operation: string, payload: unknown, request: FastifyRequest): Promise<T> {
    return callService(this.runtime.rpc, 'workspaces', operation, payload, request);
  }

  @Get()
  async list(@Req() request: FastifyRequest): Promise<{ members: MembershipResource[] }> {
    return this.call(WORKSPACES_RPC.listMembers, workspaceTarget(request), request);
  }

  /** → 201 `{ status: "added", membership }` or `{ status: "invited", invitation }` (with its token, once). */
  @Post()
  async add(@Body() body: AddMemberBody, @Req() request: FastifyRequest): Promise<AddMemberReply> {
    return this.call(WORKSPACES_RPC.addMember, { ...workspaceTarget(request), email: body.email, role: body.role ?? 'member' }, request);
  }

  /** Leaves the workspace (a user session; never the last owner). */
  @Delete('me')
  @HttpCode(204)
  async leave(@Req() request: FastifyRequest): Promise<void> {
    await this.call(WORKSPACES_RPC.leaveWorkspace, workspaceTarget(request), request);
  }

  @Patch(':userId')
  async changeRole(@Param('userId') userId: string, @Body() body: ChangeMemberRoleBody, @Req() request: FastifyRequest): Promise<MembershipResource> {
    return this.call(WORKSPACES_RPC.changeMemberRole, { ...workspaceTarget(request), member_user_id: userId, role: body.role }, request);
  }

  @Delete(':userId')
  @HttpCode(204)
  async remove(@Param('userId') userId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.call(WORKSPACES_RPC.removeMember, { ...workspaceTarget(request), member_user_id: userId }, request);
  }
}
