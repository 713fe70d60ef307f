import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { MnemoConfig } from '@mnemo/contracts';

/** The one NATS connection of an app: RPC server, RPC client, relay and consumers all share it. */
export async function connectNats(config: Pick<MnemoConfig, 'natsUrl' | 'app'>, name: string = `mnemo-${config.app}`): Promise<NatsConnection> {
  return connect({
    servers: config.natsUrl,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
}
