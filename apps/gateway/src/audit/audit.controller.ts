import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AUDIT_RPC, type ListAuditEventsReply, type VerifyAuditChainReply } from '@mnemo/contracts';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { memoryCallerOf } from '../memories/memories.controller';
import { callService } from '../spine/call-service';
import { ListAuditEventsQuery } from './audit.dto';

/**
 * The tamper-evident audit log of the memory service: a workspace lists the records of its own chain and those
 * where it acted on another workspace's space; it verifies its own chain against the signed checkpoints.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit-events')
export class AuditController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  @Get()
  async list(@Query() query: ListAuditEventsQuery, @Req() request: FastifyRequest): Promise<ListAuditEventsReply> {
    return callService(this.runtime.rpc, 'memory', AUDIT_RPC.listAuditEvents, { caller: memoryCallerOf(request), ...query }, request);
  }

  @Get('verify')
  async verify(@Req() request: FastifyRequest): Promise<VerifyAuditChainReply> {
    return callService(this.runtime.rpc, 'memory', AUDIT_RPC.verifyAuditChain, { caller: memoryCallerOf(request) }, request);
  }
}
