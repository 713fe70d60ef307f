import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { IDENTITY_RPC, type ApiKeyResource, type KeyOperationCaller } from '@mnemo/contracts';
import { authOf, type Authenticated } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';
import { CreateApiKeyBody, UpdateApiKeyBody } from './api-keys.dto';

function callerOf(auth: Authenticated): KeyOperationCaller {
  return auth.credential.kind === 'session'
    ? { kind: 'session', user_id: auth.credential.user_id }
    : { kind: 'key', key_id: auth.credential.key_id, scopes: auth.credential.scopes, agent_id: auth.credential.agent_id, created_by: auth.credential.created_by };
}

/** API keys of one workspace. The key itself is in the answer that creates or rotates it, and nowhere else. */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/workspaces/:id/api-keys')
export class ApiKeysController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  private target(request: FastifyRequest, extra: Record<string, unknown> = {}) {
    const auth = authOf(request);
    return { workspace_id: auth.workspaceId ?? Number((request.params as { id: string }).id), caller: callerOf(auth), ...extra };
  }

  @Post()
  async create(@Body() body: CreateApiKeyBody, @Req() request: FastifyRequest): Promise<ApiKeyResource> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.createApiKey, this.target(request, { ...body }), request);
  }

  @Get()
  async list(@Req() request: FastifyRequest): Promise<{ api_keys: ApiKeyResource[] }> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.listApiKeys, this.target(request), request);
  }

  @Patch(':keyId')
  async update(@Param('keyId') keyId: string, @Body() body: UpdateApiKeyBody, @Req() request: FastifyRequest): Promise<ApiKeyResource> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.updateApiKey, this.target(request, { key_id: keyId, ...body }), request);
  }

  @Delete(':keyId')
  @HttpCode(204)
  async revoke(@Param('keyId') keyId: string, @Req() request: FastifyRequest): Promise<void> {
    await callService(this.runtime.rpc, 'identity', IDENTITY_RPC.revokeApiKey, this.target(request, { key_id: keyId }), request);
  }

  @Post(':keyId/rotate')
  @HttpCode(200)
  async rotate(@Param('keyId') keyId: string, @Req() request: FastifyRequest): Promise<ApiKeyResource> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.rotateApiKey, this.target(request, { key_id: keyId }), request);
  }
}
