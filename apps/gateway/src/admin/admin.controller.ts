import { Body, Controller, HttpCode, Inject, Param, Post, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { LIFECYCLE_RPC, MnemoError, parseWorkspaceId, type OrganizationResource, type WorkspaceStatusResource } from '@mnemo/contracts';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { PlanOverrideBody, ReasonBody, WorkosBody } from './admin.dto';

function workspaceIdOf(raw: string): number {
  const id = parseWorkspaceId(raw);
  if (id === undefined) throw new MnemoError('NOT_FOUND', 'no such workspace');
  return id;
}

/** Operator actions (DESIGN.md "Lifecycle"); each answers the workspace's status after it. */
@Controller('admin')
export class AdminController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private call<T>(operation: string, payload: unknown, request: FastifyRequest): Promise<T> {
    return callService(this.runtime.rpc, 'workspaces', operation, payload, request);
  }

  @Post('workspaces/:id/suspend')
  @HttpCode(200)
  suspend(@Param('id') id: string, @Body() body: ReasonBody, @Req() request: FastifyRequest): Promise<WorkspaceStatusResource> {
    return this.call(LIFECYCLE_RPC.suspendWorkspace, { workspace_id: workspaceIdOf(id), reason: body.reason }, request);
  }

  @Post('workspaces/:id/reinstate')
  @HttpCode(200)
  reinstate(@Param('id') id: string, @Body() body: ReasonBody, @Req() request: FastifyRequest): Promise<WorkspaceStatusResource> {
    return this.call(LIFECYCLE_RPC.reinstateWorkspace, { workspace_id: workspaceIdOf(id), reason: body.reason }, request);
  }

  @Put('workspaces/:id/plan')
  setPlan(@Param('id') id: string, @Body() body: PlanOverrideBody, @Req() request: FastifyRequest): Promise<WorkspaceStatusResource> {
    return this.call(LIFECYCLE_RPC.overridePlan, { workspace_id: workspaceIdOf(id), ...body }, request);
  }

  @Put('organizations/:id/workos')
  setWorkos(@Param('id') id: string, @Body() body: WorkosBody, @Req() request: FastifyRequest): Promise<OrganizationResource> {
    return this.call(LIFECYCLE_RPC.linkWorkosOrganization, { organization_id: id, workos_organization_id: body.workos_organization_id }, request);
  }
}
