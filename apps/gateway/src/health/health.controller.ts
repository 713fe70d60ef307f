import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { COMMON_OPERATIONS, MnemoError, SERVICES, type ServiceName } from '@mnemo/contracts';
import { RpcClient } from '@mnemo/messaging';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(GATEWAY_RUNTIME) private readonly runtime: GatewayRuntime,
    private readonly rpc: RpcClient,
  ) {}

  /** The process is alive. */
  @Get('health')
  @ApiOkResponse({ description: 'alive' })
  health() {
    return { status: 'ok', service: 'gateway' };
  }

  /** The gateway's own connections; one service being down never makes the gateway unready. */
  @Get('ready')
  async ready() {
    const problems = await this.runtime.readinessProblems();
    if (problems.length > 0) throw new MnemoError('UNAVAILABLE', `not ready: ${problems.join(', ')}`, { problems });
    return { status: 'ready', service: 'gateway' };
  }

  /** Each service's own answer over NATS: `ok`, or the error it (or the transport) gave. */
  @Get('health/services')
  async services() {
    const answers = await Promise.all(
      SERVICES.map(async (service: ServiceName) => {
        const reply = await this.rpc.call<{ status: string }>(service, COMMON_OPERATIONS.health, {});
        return [service, reply.ok ? 'ok' : `${reply.error.code}: ${reply.error.message}`] as const;
      }),
    );
    return { services: Object.fromEntries(answers) };
  }
}
