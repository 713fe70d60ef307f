import { ClientNats, Ctx, MessagePattern, Payload, ServerNats, type NatsContext } from '@nestjs/microservices';
import { NatsRecordBuilder } from '@nestjs/microservices';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import {
  MAX_NATS_PAYLOAD_BYTES,
  MnemoError,
  RPC_HEADERS,
  rpcPattern,
  type Principal,
  type RpcMetadata,
  type RpcReply,
  type ServiceName,
} from '@mnemo/contracts';
import { createLogger, currentRequestId, injectTraceContext, runWithRequestId, SpanKind, withSpan, type Logger } from '@mnemo/observability';
import { encodeBounded } from './payload';

/**
 * Nest's NATS server on the app's one shared connection. Handlers declare `rpc.<service>.<op>`; this server
 * subscribes to `<prefix>.rpc.<service>.<op>` in the service's queue group, so each request is answered once.
 */
export class SharedConnectionNatsServer extends ServerNats {
  private readonly ownSubscriptions: Subscription[] = [];

  constructor(
    private readonly connection: NatsConnection,
    private readonly prefix: string,
    private readonly queue: string,
  ) {
    super({ queue });
  }

  override async createNatsClient(): Promise<NatsConnection> {
    return this.connection;
  }

  override bindEvents(client: NatsConnection): void {
    const queue = this.queue;
    for (const channel of this.messageHandlers.keys()) {
      this.ownSubscriptions.push(client.subscribe(`${this.prefix}.${channel}`, { queue, callback: this.getMessageHandler(channel).bind(this) }));
    }
  }

  /**
   * Stops taking requests. Drained, not unsubscribed: requests the server already delivered to this process are
   * still handed to their handlers (an unsubscribe dropped them, and their callers waited out the RPC timeout
   * while another replica could have answered). The shared connection is drained by its owner, not here.
   */
  override async close(): Promise<void> {
    await Promise.all(this.ownSubscriptions.splice(0).map((subscription) => subscription.drain()));
  }
}

/** Nest's NATS client on the app's one shared connection, adding the configured prefix to every pattern. */
export class SharedConnectionNatsClient extends ClientNats {
  constructor(
    private readonly connection: NatsConnection,
    private readonly prefix: string,
  ) {
    super({});
  }

  override async createClient(): Promise<NatsConnection> {
    return this.connection;
  }

  protected override normalizePattern(pattern: unknown): string {
    return `${this.prefix}.${super.normalizePattern(pattern as string)}`;
  }

  override async close(): Promise<void> {
    this.handleClose();
  }
}

function metadataHeaders(metadata: RpcMetadata): MsgHdrs {
  const headers = natsHeaders();
  if (metadata.principal) headers.set(RPC_HEADERS.principal, `${metadata.principal.type}:${metadata.principal.id}`);
  if (metadata.workspaceId) headers.set(RPC_HEADERS.workspaceId, metadata.workspaceId);
  if (metadata.idempotencyKey) headers.set(RPC_HEADERS.idempotencyKey, metadata.idempotencyKey);
  const requestId = metadata.requestId ?? currentRequestId();
  if (requestId) headers.set(RPC_HEADERS.requestId, requestId);
  for (const [name, value] of Object.entries(injectTraceContext())) headers.set(name, value);
  return headers;
}

/** Reads the RPC metadata a caller put in the NATS headers. */
export function readRpcMetadata(headers: MsgHdrs | undefined): RpcMetadata {
  const get = (name: string) => headers?.get(name) || undefined;
  const principalHeader = get(RPC_HEADERS.principal);
  let principal: Principal | undefined;
  if (principalHeader) {
    const separator = principalHeader.indexOf(':');
    principal = { type: principalHeader.slice(0, separator) as Principal['type'], id: principalHeader.slice(separator + 1) };
  }
  return {
    principal,
    workspaceId: get(RPC_HEADERS.workspaceId),
    idempotencyKey: get(RPC_HEADERS.idempotencyKey),
    requestId: get(RPC_HEADERS.requestId),
    traceparent: get(RPC_HEADERS.traceparent),
  };
}

/** Request/reply to the services, always answering the envelope: timeouts and transport failures included. */
export class RpcClient {
  constructor(
    private readonly client: SharedConnectionNatsClient,
    private readonly timeoutMs: number,
  ) {}

  async call<T>(service: ServiceName, operation: string, payload: unknown, metadata: RpcMetadata = {}): Promise<RpcReply<T>> {
    const pattern = rpcPattern(service, operation);
    return withSpan(`rpc ${pattern}`, { kind: SpanKind.CLIENT, attributes: { 'rpc.service': service, 'rpc.method': operation } }, async () => {
      try {
        encodeBounded(payload, `the ${pattern} request`);
      } catch (error) {
        return { ok: false, error: (error as MnemoError).toBody() };
      }
      const record = new NatsRecordBuilder(payload).setHeaders(metadataHeaders(metadata)).build();
      try {
        return await firstValueFrom(this.client.send<RpcReply<T>>(pattern, record).pipe(timeout(this.timeoutMs)));
      } catch (error) {
        if (error instanceof TimeoutError) {
          return { ok: false, error: { code: 'UNAVAILABLE', message: `the ${service} service did not answer in time` } };
        }
        return { ok: false, error: { code: 'UNAVAILABLE', message: `the ${service} service could not be reached` } };
      }
    });
  }
}

const defaultLogger = createLogger({ app: 'gateway', logLevel: 'info' });
let handlerLogger: Logger = defaultLogger;

/** The logger RPC handlers report unexpected failures to (set once by each app). */
export function setRpcHandlerLogger(logger: Logger): void {
  handlerLogger = logger;
}

function isReply(value: unknown): value is RpcReply {
  return typeof value === 'object' && value !== null && 'ok' in value && typeof (value as { ok: unknown }).ok === 'boolean';
}

/**
 * Declares an RPC handler for `rpc.<service>.<operation>`. The method receives `(data, metadata)` and returns
 * data, an `RpcReply`, or throws a `MnemoError`; the caller always gets the `{ ok, data | error }` envelope.
 * Unexpected exceptions are logged here, once, and answer `INTERNAL` without details.
 */
export function RpcHandler(service: ServiceName, operation: string): MethodDecorator {
  return (target, key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (data: unknown, metadata: RpcMetadata) => Promise<unknown>;
    const pattern = rpcPattern(service, operation);
    descriptor.value = async function (this: unknown, data: unknown, context: NatsContext): Promise<RpcReply> {
      const headers = context?.getHeaders?.() as MsgHdrs | undefined;
      const metadata = readRpcMetadata(headers);
      const parent: Record<string, string> = {};
      if (metadata.traceparent) parent.traceparent = metadata.traceparent;
      const tracestate = headers?.get(RPC_HEADERS.tracestate);
      if (tracestate) parent.tracestate = tracestate;
      return runWithRequestId(metadata.requestId ?? '', () =>
        withSpan(`handle ${pattern}`, { kind: SpanKind.SERVER, parent }, async () => {
          let reply: RpcReply;
          try {
            const result = await original.call(this, data, metadata);
            reply = isReply(result) ? result : { ok: true, data: result ?? null };
          } catch (error) {
            if (error instanceof MnemoError) {
              reply = { ok: false, error: error.toBody() };
            } else {
              handlerLogger.error({ err: error, rpc: pattern }, 'rpc handler failed');
              reply = { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
            }
          }
          handlerLogger.info({ rpc: pattern, ok: reply.ok, ...(reply.ok ? {} : { code: reply.error.code }) }, 'rpc handled');
          if (Buffer.byteLength(JSON.stringify(reply)) > MAX_NATS_PAYLOAD_BYTES - 1024) {
            return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: `the ${pattern} answer exceeds the 1 MiB message limit; page it` } };
          }
          return reply;
        }),
      );
    };
    // The wrapper takes (data, context); declare both so Nest passes the NATS context with its headers.
    Payload()(target, key, 0);
    Ctx()(target, key, 1);
    MessagePattern(pattern)(target, key, descriptor);
  };
}
