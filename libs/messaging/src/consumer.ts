import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { AppName, EventEnvelope, NatsNames, ServiceName } from '@mnemo/contracts';
import { SpanKind, withSpan, type Logger } from '@mnemo/observability';

export interface EventConsumerOptions {
  nc: NatsConnection;
  names: NatsNames;
  /** The consuming app: the inbox and checkpoints live in its schema, dead letters under its name. */
  app: AppName;
  /** Durable consumer name, unique within the consuming app. */
  name: string;
  /** The service whose event stream is read. */
  source: ServiceName;
  /** Optional subject filter inside that stream (one filter: NATS 2.9 has no multi-filter consumers). */
  filterSubject?: string;
  orm: MikroORM;
  logger: Logger;
  /**
   * Projections that need order apply an event only when `stream_version = last + 1`; an older one is acked
   * and skipped, a gap is nak'd with a delay.
   */
  ordered: boolean;
  /** The effect, in the same transaction as the inbox row. */
  handle: (em: EntityManager, event: EventEnvelope) => Promise<void>;
  maxDeliver?: number;
  ackWaitMs?: number;
  retryDelayMs?: number;
  /** Called after the effect committed and before the ack (metrics: projection lag). */
  onApplied?: (event: EventEnvelope) => void;
}

class StreamGap extends Error {
  constructor(readonly expected: number, readonly got: number) {
    super(`expected stream_version ${expected}, got ${got}`);
  }
}

type Outcome = 'applied' | 'duplicate' | 'stale';

/**
 * A durable pull consumer with explicit acks and an inbox row `(consumer, event_id)` written in the same
 * transaction as the effect, so a redelivery after a crash between commit and ack is a no-op. After
 * `maxDeliver` failed attempts the message is copied with its error to `dlq.<app>.<consumer>` and acked.
 */
export class EventConsumer {
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly maxDeliver: number;

  constructor(private readonly options: EventConsumerOptions) {
    this.maxDeliver = options.maxDeliver ?? 5;
  }

  get durableName(): string {
    return this.options.names.durable(this.options.app, this.options.name);
  }

  get inboxName(): string {
    return `${this.options.app}.${this.options.name}`;
  }

  async start(): Promise<void> {
    const { nc, names, source } = this.options;
    const stream = names.eventStream(source).name;
    const jsm = await jetstreamManager(nc);
    const config = {
      durable_name: this.durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.options.ackWaitMs ?? 30_000),
      max_deliver: this.maxDeliver,
      ...(this.options.filterSubject ? { filter_subject: this.options.filterSubject } : {}),
    };
    try {
      await jsm.consumers.info(stream, this.durableName);
      await jsm.consumers.update(stream, this.durableName, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
        ...(config.filter_subject ? { filter_subject: config.filter_subject } : {}),
      });
    } catch {
      await jsm.consumers.add(stream, config).catch(async (error) => {
        await jsm.consumers.info(stream, this.durableName).catch(() => {
          throw error;
        });
      });
    }
    const consumer = await jetstream(nc).consumers.get(stream, this.durableName);
    this.messages = await consumer.consume({ max_messages: 64 });
    this.loop = (async () => {
      for await (const message of this.messages!) await this.process(message);
    })();
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop?.catch(() => undefined);
  }

  private async process(message: JsMsg): Promise<void> {
    let event: EventEnvelope;
    try {
      event = message.json<EventEnvelope>();
    } catch (error) {
      await this.deadLetter(message, error as Error);
      return;
    }
    const parent: Record<string, string> = {};
    for (const name of ['traceparent', 'tracestate']) {
      const value = message.headers?.get(name);
      if (value) parent[name] = value;
    }
    try {
      const outcome = await withSpan(`consume ${message.subject}`, { kind: SpanKind.CONSUMER, parent }, () => this.apply(event));
      if (outcome === 'applied') this.options.onApplied?.(event);
      message.ack();
    } catch (error) {
      const attempt = message.info.deliveryCount;
      if (attempt >= this.maxDeliver) {
        await this.deadLetter(message, error as Error);
        return;
      }
      const delay = (this.options.retryDelayMs ?? 500) * attempt;
      if (!(error instanceof StreamGap)) {
        this.options.logger.warn({ err: error, consumer: this.durableName, event_id: event.id, attempt }, 'event handler failed; will retry');
      }
      message.nak(delay);
    }
  }

  private async apply(event: EventEnvelope): Promise<Outcome> {
    return this.options.orm.em.fork().transactional(async (em) => {
      const fresh = await em.execute<{ inserted: number }[]>(
        'INSERT INTO inbox (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING 1 AS inserted',
        [this.inboxName, event.id],
      );
      if (fresh.length === 0) return 'duplicate';
      if (this.options.ordered) {
        await em.execute(
          'INSERT INTO projection_checkpoints (consumer, stream_id, last_version) VALUES (?, ?, 0) ON CONFLICT DO NOTHING',
          [this.inboxName, event.streamId],
        );
        const [{ last_version: last }] = await em.execute<{ last_version: number }[]>(
          'SELECT last_version FROM projection_checkpoints WHERE consumer = ? AND stream_id = ? FOR UPDATE',
          [this.inboxName, event.streamId],
        );
        if (event.streamVersion <= last) return 'stale';
        if (event.streamVersion > last + 1) throw new StreamGap(last + 1, event.streamVersion);
        await em.execute('UPDATE projection_checkpoints SET last_version = ? WHERE consumer = ? AND stream_id = ?', [
          event.streamVersion,
          this.inboxName,
          event.streamId,
        ]);
      }
      await this.options.handle(em, event);
      return 'applied';
    });
  }

  private async deadLetter(message: JsMsg, error: Error): Promise<void> {
    const { names, app, name, nc } = this.options;
    const headers = natsHeaders();
    headers.set('mnemo-dlq-error', String(error?.message ?? error).slice(0, 1000));
    headers.set('mnemo-dlq-subject', message.subject);
    headers.set('mnemo-dlq-stream-seq', String(message.seq));
    headers.set('mnemo-dlq-deliveries', String(message.info.deliveryCount));
    try {
      await jetstream(nc).publish(names.deadLetterSubject(app, name), message.data, {
        headers,
        msgID: `${this.durableName}:${message.info.stream}:${message.seq}`,
      });
      message.ack();
      this.options.logger.error({ consumer: this.durableName, subject: message.subject, err: error }, 'event moved to the dead-letter stream');
    } catch (publishError) {
      this.options.logger.error({ err: publishError }, 'could not dead-letter an event; it will be redelivered');
      message.nak(1000);
    }
  }
}
