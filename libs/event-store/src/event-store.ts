import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import {
  MnemoError,
  type EventEnvelope,
  type EventOwner,
  type NatsNames,
  type NewEvent,
  type RpcReply,
  type ServiceName,
} from '@mnemo/contracts';
import { currentTraceparent } from '@mnemo/observability';
import { IdempotencyRecords, type IdempotentRequest } from './idempotency';

export class WrongExpectedVersion extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion?: number,
  ) {
    super(`stream ${streamId} is not at version ${expectedVersion}${actualVersion === undefined ? '' : ` (it is at ${actualVersion})`}`);
    this.name = 'WrongExpectedVersion';
  }
}

export interface AppendOptions {
  owner: EventOwner;
  actor: string;
  traceparent?: string;
}

/** Read-model updates and guard rows that must commit with the events. */
export type InlineProjection = (em: EntityManager, events: EventEnvelope[]) => Promise<void>;

interface EventRow {
  global_position: string;
  id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: { actor: string; traceparent?: string; workspaceId?: string; organizationId?: string; userId?: string };
  occurred_at: Date;
}

function toEnvelope(row: EventRow): EventEnvelope {
  const { actor, traceparent, ...owner } = row.metadata;
  return {
    id: row.id,
    type: row.type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: String(row.global_position),
    ...owner,
    actor,
    occurredAt: new Date(row.occurred_at).toISOString(),
    ...(traceparent ? { traceparent } : {}),
    data: row.data,
  };
}

const MAX_DECIDE_ATTEMPTS = 3;
const NEW_STREAMS_PER_STATEMENT = 500;

function ownerOf(envelope: EventEnvelope): EventOwner {
  if (envelope.workspaceId !== undefined) return { workspaceId: envelope.workspaceId };
  if (envelope.organizationId !== undefined) return { organizationId: envelope.organizationId };
  return { userId: envelope.userId! };
}

/** `(…), (…)` for a multi-row insert; every `?` is one scalar parameter. */
function rowsOf(count: number, row: string): string {
  return Array.from({ length: count }, () => row).join(', ');
}

/** One command through the pipeline: load → decide → append with projection, outbox and idempotency record. */
export interface Command<TState, TResult> {
  streamId: string;
  initialState: TState;
  evolve: (state: TState, event: EventEnvelope) => TState;
  /** Pure business rules: the events to append, or a thrown `MnemoError`. */
  decide: (state: TState, version: number) => NewEvent[];
  owner: EventOwner;
  actor: string;
  traceparent?: string;
  /** The version the client last saw (`If-Match`); a stale one is the client's `CONFLICT`, not a retry. */
  ifMatchVersion?: number;
  /** Inline projection and guard rows; throwing a `MnemoError` here refuses the command and rolls back. */
  project?: InlineProjection;
  reply: (state: TState, version: number, appended: EventEnvelope[]) => TResult;
  idempotency?: IdempotentRequest & {
    /** Removes secrets from the answer before it is stored; a replay answers without them. */
    redact?: (result: TResult) => unknown;
  };
}

/**
 * Append-only events in the service's own schema, with expected-version concurrency, a transactional outbox
 * and idempotency records. Everything an append changes commits in one transaction.
 */
export class EventStore {
  readonly idempotency = new IdempotencyRecords();

  constructor(
    private readonly orm: MikroORM,
    private readonly names: NatsNames,
    private readonly service: ServiceName,
  ) {}

  /** The LISTEN/NOTIFY channel the relay wakes on. */
  static notifyChannel(service: ServiceName): string {
    return `mnemo_outbox_${service}`;
  }

  subjectOf(eventType: string): string {
    return this.names.eventOfType(this.service, eventType);
  }

  async readStream(streamId: string, em: EntityManager = this.orm.em.fork()): Promise<EventEnvelope[]> {
    const rows = await em.execute<EventRow[]>(
      `SELECT global_position, id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at
       FROM events WHERE stream_id = ? ORDER BY stream_version`,
      [streamId],
    );
    return rows.map(toEnvelope);
  }

  /** Appends in a transaction of its own, running the inline projection in it. */
  async appendToStream(
    streamId: string,
    expectedVersion: number,
    events: NewEvent[],
    options: AppendOptions & { project?: InlineProjection },
  ): Promise<EventEnvelope[]> {
    return this.orm.em.fork().transactional(async (em) => {
      const stored = await this.appendInTransaction(em, streamId, expectedVersion, events, options);
      await options.project?.(em, stored);
      return stored;
    });
  }

  /** Appends inside the caller's transaction: events + outbox rows; the caller adds projections and guards. */
  async appendInTransaction(
    em: EntityManager,
    streamId: string,
    expectedVersion: number,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<EventEnvelope[]> {
    if (events.length === 0) return [];
    const envelopes = this.envelopesOf(
      events.map((event, index) => ({ streamId, streamVersion: expectedVersion + index + 1, event })),
      options,
    );
    await this.insertEnvelopes(em, envelopes, { streamId, version: expectedVersion });
    return envelopes;
  }

  /**
   * Appends the first event of many new streams (fresh UUIDv7 ids, so there is no version to check) in one
   * statement per 500: a batch of 1000 new memories costs 2 round trips, not 1000. A collision still hits
   * the (stream_id, stream_version) constraint and surfaces as a version conflict.
   */
  async appendToNewStreams(em: EntityManager, streams: { streamId: string; event: NewEvent }[], options: AppendOptions): Promise<EventEnvelope[]> {
    const envelopes = this.envelopesOf(
      streams.map(({ streamId, event }) => ({ streamId, streamVersion: 1, event })),
      options,
    );
    for (let start = 0; start < envelopes.length; start += NEW_STREAMS_PER_STATEMENT) {
      await this.insertEnvelopes(em, envelopes.slice(start, start + NEW_STREAMS_PER_STATEMENT));
    }
    return envelopes;
  }

  private envelopesOf(items: { streamId: string; streamVersion: number; event: NewEvent }[], options: AppendOptions): EventEnvelope[] {
    const occurredAt = new Date().toISOString();
    // Events carry the trace of the request that caused them, so consumers continue it.
    const traceparent = options.traceparent ?? currentTraceparent();
    return items.map(({ streamId, streamVersion, event }) => ({
      id: uuidv7(),
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      streamId,
      streamVersion,
      ...options.owner,
      actor: options.actor,
      occurredAt,
      ...(traceparent ? { traceparent } : {}),
      data: event.data,
    }));
  }

  /**
   * One round trip: the version check (when `expected` is given), the events, their outbox rows (in
   * global_position order, the position copied into each payload) and the relay's wake-up. No row comes back
   * when the stream is not at the expected version; a writer racing us to a version hits the unique constraint.
   */
  private async insertEnvelopes(em: EntityManager, envelopes: EventEnvelope[], expected?: { streamId: string; version: number }): Promise<void> {
    let rows: { id: string; global_position: string }[];
    try {
      rows = await em.execute<{ id: string; global_position: string }[]>(
        `WITH expected AS (
           SELECT ${expected ? 'coalesce(max(stream_version), 0) = ?::int' : 'true'} AS ok FROM events WHERE ${expected ? 'stream_id = ?' : 'false'}
         ),
         incoming (id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at, subject, payload, headers) AS (
           VALUES ${rowsOf(envelopes.length, '(?::uuid, ?, ?::int, ?, ?::int, ?::jsonb, ?::jsonb, ?::timestamptz, ?, ?::jsonb, ?::jsonb)')}
         ),
         inserted AS (
           INSERT INTO events (id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
           SELECT id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at FROM incoming
           WHERE (SELECT bool_and(ok) FROM expected) IS NOT FALSE
           ORDER BY stream_version, id
           RETURNING id, global_position
         ),
         queued AS (
           INSERT INTO outbox (message_id, subject, payload, headers)
           SELECT n.id, n.subject, jsonb_set(n.payload, '{globalPosition}', to_jsonb(i.global_position::text)), n.headers
           FROM inserted i JOIN incoming n ON n.id = i.id
           ORDER BY i.global_position
           RETURNING 1
         )
         SELECT i.id, i.global_position::text AS global_position, (SELECT count(*) FROM queued) AS queued, pg_notify(?, '') AS notified
         FROM inserted i ORDER BY i.global_position`,
        [
          ...(expected ? [expected.version, expected.streamId] : []),
          ...envelopes.flatMap((e) => [
            e.id,
            e.streamId,
            e.streamVersion,
            e.type,
            e.schemaVersion,
            JSON.stringify(e.data),
            JSON.stringify({ ...ownerOf(e), actor: e.actor, ...(e.traceparent ? { traceparent: e.traceparent } : {}) }),
            e.occurredAt,
            this.subjectOf(e.type),
            JSON.stringify(e),
            JSON.stringify(e.traceparent ? { traceparent: e.traceparent } : {}),
          ]),
          EventStore.notifyChannel(this.service),
        ],
      );
    } catch (error) {
      if ((error as { constraint?: string }).constraint === 'events_stream_version_key') {
        throw new WrongExpectedVersion(expected?.streamId ?? '(new stream)', expected?.version ?? 0);
      }
      throw error;
    }
    if (rows.length !== envelopes.length) throw new WrongExpectedVersion(expected?.streamId ?? '(new stream)', expected?.version ?? 0);
    const positions = new Map(rows.map((row) => [row.id, row.global_position]));
    for (const envelope of envelopes) envelope.globalPosition = positions.get(envelope.id);
  }

  /** Adds a message that is not a domain event (a metering fact, say) to the outbox, in the caller's transaction. */
  async enqueueMessage(em: EntityManager, subject: string, payload: Record<string, unknown>, messageId = uuidv7()): Promise<void> {
    await em.execute('INSERT INTO outbox (message_id, subject, payload) VALUES (?, ?, ?)', [messageId, subject, JSON.stringify(payload)]);
    await em.execute('SELECT pg_notify(?, ?)', [EventStore.notifyChannel(this.service), '']);
  }

  /**
   * Runs a command: an idempotency claim, then load → decide → append in one transaction with the inline
   * projection and the idempotency record. A version conflict reloads and re-decides, at most 3 times.
   */
  async handle<TState, TResult>(command: Command<TState, TResult>): Promise<RpcReply<TResult>> {
    const em = this.orm.em.fork();
    const idempotency = command.idempotency;
    if (idempotency) {
      const claim = await this.idempotency.claim(em, idempotency);
      if (claim.kind === 'replay') return claim.reply as RpcReply<TResult>;
      if (claim.kind === 'mismatch') {
        return failure('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used with a different request body');
      }
      if (claim.kind === 'in_progress') {
        return failure('CONFLICT', 'a request with this Idempotency-Key is still in progress', { reason: 'in_progress' });
      }
    }
    try {
      for (let attempt = 1; ; attempt++) {
        const history = await this.readStream(command.streamId, em);
        const version = history.length;
        const state = history.reduce(command.evolve, command.initialState);
        let reply: RpcReply<TResult> | undefined;
        let events: NewEvent[] = [];
        if (command.ifMatchVersion !== undefined && command.ifMatchVersion !== version) {
          reply = failure('CONFLICT', 'the resource changed since you read it (stale If-Match)', { reason: 'stale_etag', version });
        } else {
          try {
            events = command.decide(state, version);
          } catch (error) {
            if (!(error instanceof MnemoError)) throw error;
            reply = { ok: false, error: error.toBody() };
          }
        }
        try {
          return await em.transactional(async (tx) => {
            let answer = reply;
            if (!answer) {
              const appended = await this.appendInTransaction(tx, command.streamId, version, events, command);
              await command.project?.(tx, appended);
              const next = appended.reduce(command.evolve, state);
              answer = { ok: true, data: command.reply(next, version + appended.length, appended) };
            }
            if (idempotency) {
              const stored = answer.ok && idempotency.redact ? { ok: true as const, data: idempotency.redact(answer.data) } : answer;
              await this.idempotency.complete(tx, idempotency, stored);
            }
            return answer;
          });
        } catch (error) {
          if (error instanceof MnemoError) {
            // A guard row refused inside the transaction (a unique slug, a cap): nothing committed.
            const refusal: RpcReply<TResult> = { ok: false, error: error.toBody() };
            if (idempotency) await this.idempotency.complete(em, idempotency, refusal);
            return refusal;
          }
          if (!(error instanceof WrongExpectedVersion)) throw error;
          if (attempt >= MAX_DECIDE_ATTEMPTS) {
            return failure('CONFLICT', 'too many concurrent changes to this resource; retry', { reason: 'contention' });
          }
        }
      }
    } catch (error) {
      if (idempotency) await this.idempotency.release(em, idempotency).catch(() => undefined);
      throw error;
    }
  }
}

function failure<T>(code: ConstructorParameters<typeof MnemoError>[0], message: string, details?: Record<string, unknown>): RpcReply<T> {
  return { ok: false, error: details ? { code, message, details } : { code, message } };
}
