import type { NatsConnection } from '@nats-io/transport-node';
import type { MnemoConfig, NatsNames } from '@mnemo/contracts';
import type { RpcClient } from '@mnemo/messaging';
import type { Logger } from '@mnemo/observability';
import type { AccessCache } from './access/access-cache';
import type { AccessControl } from './access/access-control';
import type { CredentialCache } from './access/credential-cache';
import type { KeyUseRecorder } from './access/key-use';
import type { RateLimiter } from './access/rate-limiter';
import type { GatewaySettings } from './gateway.settings';

export const GATEWAY_RUNTIME = Symbol('GATEWAY_RUNTIME');

/** The gateway's connections, caches and settings, built once at start. */
export interface GatewayRuntime {
  config: MnemoConfig;
  settings: GatewaySettings;
  names: NatsNames;
  nc: NatsConnection;
  logger: Logger;
  rpc: RpcClient;
  credentials: CredentialCache;
  access: AccessCache;
  accessControl: AccessControl;
  keyUse: KeyUseRecorder;
  rateLimiter: RateLimiter;
  readinessProblems(): Promise<string[]>;
}
