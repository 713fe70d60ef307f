import { Body, Controller, Get, HttpCode, Inject, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  WORKSPACES_RPC,
  type CreateWorkspaceReply,
  type JoinInfoResource,
  type OrganizationResource,
  type Provider,
  type WorkspaceResource,
} from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { workspaceTarget } from '../members/workspace-caller';
import { callService } from '../spine/call-service';
import { CreateWorkspaceBody, ListWorkspacesQuery, OrganizationNameBody, ProvidersBody, RotateJoinCodeBody, UpdateWorkspaceBody } from './workspaces.dto';

@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('v1/workspaces')
export class WorkspacesController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private call<T>(operation: string, payload: unknown, request: FastifyRequest): Promise<T> {
    return callService(this.runtime.rpc, 'workspaces', operation, payload, request);
  }

  /** → 201 `{ workspace, organization, is_first_workspace }`; the caller owns the new workspace. */
  @Post()
  async create(@Body() body: CreateWorkspaceBody, @Req() request: FastifyRequest): Promise<CreateWorkspaceReply> {
    return this.call(WORKSPACES_RPC.createWorkspace, { ...body, user_id: authOf(request).userId }, request);
  }

  /** The workspaces the caller reaches, or those of one organization. */
  @Get()
  async list(@Query() query: ListWorkspacesQuery, @Req() request: FastifyRequest): Promise<{ workspaces: WorkspaceResource[] }> {
    return this.call(WORKSPACES_RPC.listWorkspaces, { ...query, user_id: authOf(request).userId }, request);
  }

  /** Access was checked before this runs: the key's own workspace, or a workspace the session user reaches. */
  @Get(':id')
  async get(@Req() request: FastifyRequest): Promise<WorkspaceResource> {
    return this.call(WORKSPACES_RPC.getWorkspace, { workspace_id: authOf(request).workspaceId }, request);
  }

  @Patch(':id')
  async update(@Body() body: UpdateWorkspaceBody, @Req() request: FastifyRequest): Promise<WorkspaceResource> {
    return this.call(WORKSPACES_RPC.updateWorkspace, { ...workspaceTarget(request), ...body }, request);
  }

  /** workspace-api updateOrganizationName: an owner of this workspace renames its organization. */
  @Patch(':id/organization')
  async renameOrganization(@Body() body: OrganizationNameBody, @Req() request: FastifyRequest): Promise<OrganizationResource> {
    return this.call(WORKSPACES_RPC.updateOrganizationName, { ...workspaceTarget(request), ...body }, request);
  }

  @Get(':id/join-info')
  async joinInfo(@Req() request: FastifyRequest): Promise<JoinInfoResource> {
    return this.call(WORKSPACES_RPC.getJoinInfo, workspaceTarget(request), request);
  }

  /** Rotates the join code: the old one stops working at once. */
  @Post(':id/join-code')
  @HttpCode(200)
  async rotateJoinCode(@Body() body: RotateJoinCodeBody, @Req() request: FastifyRequest): Promise<JoinInfoResource> {
    return this.call(WORKSPACES_RPC.rotateJoinCode, { ...workspaceTarget(request), expires_at: body.expires_at ?? null }, request);
  }

  @Get(':id/providers')
  async providers(@Req() request: FastifyRequest): Promise<{ providers: Provider[] }> {
    return this.call(WORKSPACES_RPC.getProviders, { workspace_id: authOf(request).workspaceId }, request);
  }

  /** At least one provider; answers the workspace. */
  @Put(':id/providers')
  async setProviders(@Body() body: ProvidersBody, @Req() request: FastifyRequest): Promise<WorkspaceResource> {
    return this.call(WORKSPACES_RPC.setProviders, { ...workspaceTarget(request), providers: body.providers }, request);
  }
}
