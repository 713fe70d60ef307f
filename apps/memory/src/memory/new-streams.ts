import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import type { EventEnvelope, EventOwner, NewEvent } from '@mnemo/contracts';
import { EventStore, WrongExpectedVersion } from '@mnemo/event-store';
import { currentTraceparent } from '@mnemo/observability';

const CHUNK = 500;

/**
 * Appends the first event of many new streams in one statement per 500: the events, their outbox rows and the
 * relay's wake-up, exactly as `EventStore.appendInTransaction` writes them for one stream. A batch of 1000 new
 * memories would otherwise cost 1000 round trips. The streams are fresh (UUIDv7 ids), so there is no version
 * to check: a collision hits the (stream_id, stream_version) constraint and is retried like any conflict.
 *
 * Candidate for libs/event-store (`appendToNewStreams`); kept here until that lib grows it.
 */
export async function appendToNewStreams(
  tx: EntityManager,
  store: EventStore,
  service: 'memory',
  streams: { streamId: string; event: NewEvent }[],
  options: { owner: EventOwner; actor: string },
): Promise<EventEnvelope[]> {
  if (streams.length === 0) return [];
  const occurredAt = new Date().toISOString();
  const traceparent = currentTraceparent();
  const metadata = JSON.stringify({ ...options.owner, actor: options.actor, ...(traceparent ? { traceparent } : {}) });
  const envelopes: EventEnvelope[] = streams.map(({ streamId, event }) => ({
    id: uuidv7(),
    type: event.type,
    schemaVersion: event.schemaVersion ?? 1,
    streamId,
    streamVersion: 1,
    ...options.owner,
    actor: options.actor,
    occurredAt,
    ...(traceparent ? { traceparent } : {}),
    data: event.data,
  }));
  for (let start = 0; start < envelopes.length; start += CHUNK) {
    const chunk = envelopes.slice(start, start + CHUNK);
    let rows: { id: string; global_position: string }[];
    try {
      rows = await tx.execute<{ id: string; global_position: string }[]>(
        `WITH incoming (id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at, subject, payload, headers) AS (
           VALUES ${chunk.map(() => '(?::uuid, ?, ?::int, ?, ?::int, ?::jsonb, ?::jsonb, ?::timestamptz, ?, ?::jsonb, ?::jsonb)').join(', ')}
         ),
         inserted AS (
           INSERT INTO events (id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at)
           SELECT id, stream_id, stream_version, type, schema_version, data, metadata, occurred_at FROM incoming
           ORDER BY id
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
          ...chunk.flatMap((e) => [
            e.id,
            e.streamId,
            e.streamVersion,
            e.type,
            e.schemaVersion,
            JSON.stringify(e.data),
            metadata,
            occurredAt,
            store.subjectOf(e.type),
            JSON.stringify(e),
            JSON.stringify(e.traceparent ? { traceparent: e.traceparent } : {}),
          ]),
          EventStore.notifyChannel(service),
        ],
      );
    } catch (error) {
      if ((error as { constraint?: string }).constraint === 'events_stream_version_key') throw new WrongExpectedVersion('(new stream)', 0);
      throw error;
    }
    const positions = new Map(rows.map((row) => [row.id, row.global_position]));
    for (const envelope of chunk) envelope.globalPosition = positions.get(envelope.id);
  }
  return envelopes;
}
