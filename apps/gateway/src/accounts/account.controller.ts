import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { IsString, MaxLength } from 'class-validator';
import { IDENTITY_RPC } from '@mnemo/contracts';
import { authOf } from '../access/authenticated';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { callService } from '../spine/call-service';

export class DeleteAccountBody {
  @ApiProperty({ description: 'the account password, as confirmation' })
  @IsString()
  @MaxLength(1024)
  password!: string;
}

/** Account deletion and the erasure status it reports. */
@ApiTags('accounts')
@Controller('v1/account')
export class AccountController {
  constructor(@Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime) {}

  /**
   * 409 lists sole-owned workspaces and organizations that have other members. Otherwise every credential is
   * revoked before the 202, and the erasure goes on in every service.
   */
  @ApiBearerAuth()
  @Delete()
  @HttpCode(202)
  async delete(@Body() body: DeleteAccountBody, @Req() request: FastifyRequest): Promise<{ erasure_id: string }> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.deleteAccount, { user_id: authOf(request).userId, password: body.password }, request);
  }

  /** No bearer: the erasure id itself is the (unguessable, 30-day) capability. */
  @Get('erasure/:id')
  async erasure(@Param('id') id: string, @Req() request: FastifyRequest): Promise<{ status: string; services: Record<string, string> }> {
    return callService(this.runtime.rpc, 'identity', IDENTITY_RPC.getErasure, { erasure_id: id }, request);
  }
}
