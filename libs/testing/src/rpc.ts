import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { RpcReply, ServiceName } from '@mnemo/contracts';
import { RpcClient, SharedConnectionNatsClient } from '@mnemo/messaging';
import { testStack } from './environment';

/** A test's own RPC client on the running stack's NATS prefix, to drive a service through its subjects. */
export interface TestRpc {
  /** The connection itself, for JetStream reads. */
  nc: NatsConnection;
  call<T>(service: ServiceName, operation: string, payload: unknown): Promise<RpcReply<T>>;
  /** The reply's data; a refusal fails the test with the error it carried. */
  succeed<T>(service: ServiceName, operation: string, payload: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function connectTestRpc(timeoutMs = 10_000): Promise<TestRpc> {
  const stack = testStack();
  const nc = await connect({ servers: stack.config.natsUrl });
  const rpc = new RpcClient(new SharedConnectionNatsClient(nc, stack.natsPrefix), timeoutMs);
  return {
    nc,
    call: (service, operation, payload) => rpc.call(service, operation, payload),
    async succeed<T>(service: ServiceName, operation: string, payload: unknown): Promise<T> {
      const reply = await rpc.call<T>(service, operation, payload);
      if (!reply.ok) throw new Error(`${service}.${operation} failed: ${JSON.stringify(reply.error)}`);
      return reply.data;
    },
    close: () => nc.close(),
  };
}
