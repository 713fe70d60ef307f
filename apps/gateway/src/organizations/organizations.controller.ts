import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WORKSPACES_RPC, type OrganizationAccessResource, type OrganizationMemberResource, type OrganizationResource, type Versioned } from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { etagOf, ifMatchOf } from '../spine/if-match';
import { AddOrganizationMemberBody, ChangeOrganizationRoleBody, CreateOrganizationBody, RenameOrganizationBody } from './organizations.dto';

/**
 * Organizations (executor) and their members, for user sessions. Roles are checked by the workspaces service
 * against the organization's roster: owner, admin, member, billing_admin. An organization the caller is not in
 * answers 404.
 */
@ApiTags('organizations')
@ApiBearerAuth()
@Controller('v1/organizations')
export class OrganizationsController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private call<T>(operation: string, payload: Record<string, unknown>, request: FastifyRequest): Promise<T> {
    return callService(this.runtime.rpc, 'workspaces', operation, { ...payload, user_id: authOf(request).userId }, request);
  }

  @Post()
  async create(@Body() body: CreateOrganizationBody, @Req() request: FastifyRequest): Promise<OrganizationResource> {
    return this.call(WORKSPACES_RPC.createOrganization, { ...body }, request);
  }

  /** executor listMine. */
  @Get()
  async list(@Req() request: FastifyRequest): Promise<{ organizations: OrganizationResource[] }> {
    return this.call(WORKSPACES_RPC.listOrganizations, {}, request);
  }

  /** executor getOrganizationAccess → `{ role, is_admin, can_manage_billing }`. */
  @Get(':id/access')
  async access(@Param('id') id: string, @Req() request: FastifyRequest): Promise<OrganizationAccessResource> {
    return this.call(WORKSPACES_RPC.getOrganizationAccess, { organization_id: id }, request);
  }

  /** Renames (owners); answers the organization's ETag, and a stale If-Match is 409. */
  @Patch(':id')
  @ApiHeader({ name: 'If-Match', required: false, description: 'the ETag you read; a stale one answers 409 CONFLICT' })
  async rename(
    @Param('id') id: string,
    @Body() body: RenameOrganizationBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrganizationResource> {
    const { resource, version } = await this.call<Versioned<OrganizationResource>>(
      WORKSPACES_RPC.renameOrganization,
      { organization_id: id, name: body.name, with_version: true, ...ifMatchOf(ifMatch) },
      request,
    );
    void reply.header('ETag', etagOf(version));
    return resource;
  }

  /** Owners; only an organization without workspaces. */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.call(WORKSPACES_RPC.deleteOrganization, { organization_id: id }, request);
  }

  @Get(':id/members')
  async members(@Param('id') id: string, @Req() request: FastifyRequest): Promise<{ members: OrganizationMemberResource[] }> {
    return this.call(WORKSPACES_RPC.listOrganizationMembers, { organization_id: id }, request);
  }

  @Post(':id/members')
  async addMember(@Param('id') id: string, @Body() body: AddOrganizationMemberBody, @Req() request: FastifyRequest): Promise<OrganizationMemberResource> {
    return this.call(WORKSPACES_RPC.addOrganizationMember, { organization_id: id, email: body.email, role: body.role ?? 'member' }, request);
  }

  @Patch(':id/members/:userId')
  async changeRole(
    @Param('id') id: string,
    @Param('userId') userId: string,
    @Body() body: ChangeOrganizationRoleBody,
    @Req() request: FastifyRequest,
  ): Promise<OrganizationMemberResource> {
    return this.call(WORKSPACES_RPC.changeOrganizationMemberRole, { organization_id: id, member_user_id: userId, role: body.role }, request);
  }

  /** Removes a member; a user naming themself leaves. */
  @Delete(':id/members/:userId')
  @HttpCode(204)
  async removeMember(@Param('id') id: string, @Param('userId') userId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.call(WORKSPACES_RPC.removeOrganizationMember, { organization_id: id, member_user_id: userId }, request);
  }
}
