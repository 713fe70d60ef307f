import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  LIFECYCLE_RPC,
  WORKSPACES_RPC,
  type CreateWorkspaceReply,
  type DeleteWorkspaceReply,
  type JoinInfoResource,
  type OrganizationResource,
  type Provider,
  type Versioned,
  type WorkspaceResource,
} from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { workspaceTarget } from '../members/workspace-caller';
import { callService } from '../spine/call-service';
import { etagOf, ifMatchOf } from '../spine/if-match';
import { DeleteWorkspaceBody } from './workspace-deletion.dto';
import { CreateWorkspaceBody, ListWorkspacesQuery, OrganizationNameBody, ProvidersBody, RotateJoinCodeBody, UpdateWorkspaceBody } from './workspaces.dto';

@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('v1/workspaces')
export class WorkspacesController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private call<T>(operation: string, payload: unknown, request: FastifyRequest): Promise<T> {
    return callService(this.runtime.rpc, 'workspaces', operation, payload, request);
  }

  /** Asks for the resource with its version and answers the version as the ETag. */
  private async versioned<T>(operation: string, payload: Record<string, unknown>, request: FastifyRequest, reply: FastifyReply): Promise<T> {
    const { resource, version } = await this.call<Versioned<T>>(operation, { ...payload, with_version: true }, request);
    void reply.header('ETag', etagOf(version));
    return resource;
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

  /**
   * Access was checked before this runs: the key's own workspace, or a workspace the session user reaches.
   * Answers the workspace's ETag, for a later PATCH's If-Match.
   */
  @Get(':id')
  async get(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<WorkspaceResource> {
    return this.versioned(WORKSPACES_RPC.getWorkspace, { workspace_id: authOf(request).workspaceId }, request, reply);
  }

  /** name, domain, icon_storage_id (an upload of this workspace, or of the owner for it); a stale If-Match is 409. */
  @Patch(':id')
  @ApiHeader({ name: 'If-Match', required: false, description: 'the ETag you read; a stale one answers 409 CONFLICT' })
  async update(
    @Body() body: UpdateWorkspaceBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WorkspaceResource> {
    return this.versioned(WORKSPACES_RPC.updateWorkspace, { ...workspaceTarget(request), ...body, ...ifMatchOf(ifMatch) }, request, reply);
  }

  /** workspace-api updateOrganizationName: an owner of this workspace renames its organization (the organization's ETag). */
  @Patch(':id/organization')
  @ApiHeader({ name: 'If-Match', required: false, description: "the organization's ETag you read; a stale one answers 409 CONFLICT" })
  async renameOrganization(
    @Body() body: OrganizationNameBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrganizationResource> {
    return this.versioned(WORKSPACES_RPC.updateOrganizationName, { ...workspaceTarget(request), ...body, ...ifMatchOf(ifMatch) }, request, reply);
  }

  /**
   * Owner only, with the slug repeated: 202 `{ erasure_id }`. The workspace answers 404 at once; the other
   * services erase what they hold for it (its API keys stop working) as they consume `workspace.deleted`.
   */
  @Delete(':id')
  @HttpCode(202)
  async remove(@Body() body: DeleteWorkspaceBody, @Req() request: FastifyRequest): Promise<DeleteWorkspaceReply> {
    return this.call(LIFECYCLE_RPC.deleteWorkspace, { ...workspaceTarget(request), confirm_slug: body.confirm_slug }, request);
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
  @ApiHeader({ name: 'If-Match', required: false, description: "the workspace's ETag you read; a stale one answers 409 CONFLICT" })
  async setProviders(
    @Body() body: ProvidersBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WorkspaceResource> {
    return this.versioned(WORKSPACES_RPC.setProviders, { ...workspaceTarget(request), providers: body.providers, ...ifMatchOf(ifMatch) }, request, reply);
  }
}
