import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { RpcClient, SharedConnectionNatsClient } from '@mnemo/messaging';
import { HealthController } from './health/health.controller';
import { GATEWAY_RUNTIME, type GatewayRuntime } from './gateway.runtime';

@Module({})
export class GatewayModule {
  static forRoot(runtime: GatewayRuntime, extraControllers: Type[] = []): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [HealthController, ...extraControllers],
      providers: [
        { provide: GATEWAY_RUNTIME, useValue: runtime },
        {
          provide: RpcClient,
          useFactory: () =>
            new RpcClient(new SharedConnectionNatsClient(runtime.nc, runtime.config.natsPrefix), runtime.config.rpcTimeoutMs),
        },
      ],
      exports: [GATEWAY_RUNTIME, RpcClient],
    };
  }
}
