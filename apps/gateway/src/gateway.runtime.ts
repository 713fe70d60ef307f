import type { NatsConnection } from '@nats-io/transport-node';
import type { MnemoConfig, NatsNames } from '@mnemo/contracts';
import type { Logger } from '@mnemo/observability';

export const GATEWAY_RUNTIME = Symbol('GATEWAY_RUNTIME');

/** The gateway's connections and settings, built once at start. */
export interface GatewayRuntime {
  config: MnemoConfig;
  names: NatsNames;
  nc: NatsConnection;
  logger: Logger;
  readinessProblems(): Promise<string[]>;
}
