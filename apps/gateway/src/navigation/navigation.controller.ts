import { Body, Controller, Get, Inject, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ICONS_RPC, type NavigationStateResource } from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { NavigationStateBody } from './navigation.dto';

/**
 * executor getNavigationState: the user's current organization and workspace (what a client opens by default)
 * and everything the user reaches. Setting one the user does not reach answers 404.
 */
@ApiTags('navigation')
@ApiBearerAuth()
@Controller('v1/navigation-state')
export class NavigationController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  @Get()
  async get(@Req() request: FastifyRequest): Promise<NavigationStateResource> {
    return callService(this.runtime.rpc, 'workspaces', ICONS_RPC.getNavigationState, { user_id: authOf(request).userId }, request);
  }

  @Put()
  async set(@Body() body: NavigationStateBody, @Req() request: FastifyRequest): Promise<NavigationStateResource> {
    return callService(this.runtime.rpc, 'workspaces', ICONS_RPC.setNavigationState, { ...body, user_id: authOf(request).userId }, request);
  }
}
