import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { NatsNames, type EventEnvelope, type MnemoConfig } from '@mnemo/contracts';
import { adminConnectionUrl, migrateService, openServiceOrm, prepareServiceDatabase } from '@mnemo/event-store';
import { createLogger } from '@mnemo/observability';
import { cleanUpIsolated, environmentOf, eventually, isolatedConfig, spawnFixture } from '@mnemo/testing';
import { EventConsumer } from './consumer';
import { ensureStreams } from './streams';

describe('event consumers (real PostgreSQL and NATS JetStream)', () => {
  let config: MnemoConfig;
  let names: NatsNames;
  let orm: MikroORM;
  let nc: NatsConnection;
  const consumers: EventConsumer[] = [];

  beforeAll(async () => {
    config = isolatedConfig('memory');
    names = new NatsNames(config.natsPrefix);
    await prepareServiceDatabase(config, 'memory');
    await migrateService(config, 'memory');
    const admin = new Client({ connectionString: adminConnectionUrl(config) });
    await admin.connect();
    await admin.query(`CREATE TABLE memory.effects (seq bigserial PRIMARY KEY, event_id uuid NOT NULL, stream_id text NOT NULL, version int NOT NULL)`);
    await admin.query('GRANT SELECT, INSERT ON memory.effects TO memory_app; GRANT USAGE ON SEQUENCE memory.effects_seq_seq TO memory_app');
    await admin.end();
    orm = await openServiceOrm(config, 'memory');
    nc = await connect({ servers: config.natsUrl });
    await ensureStreams(nc, names);
  });

  afterAll(async () => {
    for (const consumer of consumers) await consumer.stop();
    await orm?.close(true);
    await nc?.close();
    await cleanUpIsolated(config);
  });

  function event(streamId: string, streamVersion: number, data: Record<string, unknown> = {}): EventEnvelope {
    return {
      id: uuidv7(),
      type: 'thing.happened',
      schemaVersion: 1,
      streamId,
      streamVersion,
      workspaceId: '1',
      actor: 'test',
      occurredAt: new Date().toISOString(),
      data,
    };
  }

  /** Each test publishes under its own aggregate and its consumer filters on it, so tests never see each other's events. */
  async function publish(e: EventEnvelope, aggregate: string): Promise<void> {
    await jetstream(nc).publish(names.event('workspaces', aggregate, 'happened'), JSON.stringify(e), { msgID: e.id });
  }

  async function effects(streamId: string): Promise<{ event_id: string; version: number }[]> {
    return orm.em.fork().execute('SELECT event_id, version FROM effects WHERE stream_id = ? ORDER BY seq', [streamId]);
  }

  function startConsumer(name: string, handle: (em: never, e: EventEnvelope) => Promise<void>, extra = {}) {
    const consumer = new EventConsumer({
      nc,
      names,
      app: 'memory',
      name,
      source: 'workspaces',
      orm,
      logger: createLogger({ app: 'memory', logLevel: 'silent' }),
      ordered: true,
      retryDelayMs: 100,
      handle: handle as never,
      ...extra,
    });
    consumers.push(consumer);
    return consumer.start();
  }

  const recordEffect = async (em: { execute: (sql: string, params: unknown[]) => Promise<unknown> }, e: EventEnvelope) => {
    await em.execute('INSERT INTO effects (event_id, stream_id, version) VALUES (?, ?, ?)', [e.id, e.streamId, e.streamVersion]);
  };

  it('applies an effect once when the consumer dies after the effect and before the ack', async () => {
    const e = event('crash-stream', 1);
    await publish(e, 'crash');
    const crashing = spawnFixture('consumer-process', { ...environmentOf(config), CONSUMER_NAME: 'crashy', FILTER_SUBJECT: names.event('workspaces', 'crash', 'happened'), CRASH_AFTER_APPLY: '1' });
    const exit = await Promise.race([crashing.exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
    expect(crashing.child.signalCode).toBe('SIGKILL');
    expect(exit).toBeNull();
    expect(await effects('crash-stream')).toEqual([{ event_id: e.id, version: 1 }]);

    const restarted = spawnFixture('consumer-process', { ...environmentOf(config), CONSUMER_NAME: 'crashy', FILTER_SUBJECT: names.event('workspaces', 'crash', 'happened') });
    try {
      const jsm = await jetstreamManager(nc);
      await eventually(async () => {
        const info = await jsm.consumers.info(names.eventStream('workspaces').name, names.durable('memory', 'crashy'));
        return info.num_ack_pending === 0 && info.num_pending === 0 && info.delivered.consumer_seq >= 2 ? true : undefined;
      }, 15_000, 'the redelivery to be acked');
    } finally {
      restarted.child.kill('SIGKILL');
    }
    expect(await effects('crash-stream')).toEqual([{ event_id: e.id, version: 1 }]);
  });

  it('applies events delivered out of order in stream order, and skips an old one', async () => {
    const [v1, v2, v3] = [1, 2, 3].map((v) => event('ordered-stream', v));
    await startConsumer('ordered', recordEffect, { filterSubject: names.event('workspaces', 'ordered', 'happened') });
    await publish(v2, 'ordered');
    await publish(v3, 'ordered');
    await publish(v1, 'ordered');
    await eventually(async () => ((await effects('ordered-stream')).length === 3 ? true : undefined), 15_000, 'three effects');
    // A redelivered copy of an old version (new message id) is acked and skipped.
    await publish({ ...v2, id: uuidv7() }, 'ordered');
    await new Promise((r) => setTimeout(r, 500));
    expect((await effects('ordered-stream')).map((row) => row.version)).toEqual([1, 2, 3]);
  });

  it('moves a message that always fails to the dead-letter stream after MaxDeliver and goes on with the next', async () => {
    const poison = event('poison-stream', 1, { poison: true });
    const good = event('good-stream', 1);
    let attempts = 0;
    await startConsumer(
      'poisoned',
      async (em: never, e: EventEnvelope) => {
        if (e.data.poison) {
          attempts++;
          throw new Error('cannot digest this');
        }
        await recordEffect(em, e);
      },
      { maxDeliver: 3, filterSubject: names.event('workspaces', 'poison', 'happened') },
    );
    await publish(poison, 'poison');
    await publish(good, 'poison');
    await eventually(async () => ((await effects('good-stream')).length === 1 ? true : undefined), 15_000, 'the good event');
    const jsm = await jetstreamManager(nc);
    const dlq = names.deadLetterStream().name;
    await eventually(async () => ((await jsm.streams.info(dlq)).state.messages >= 1 ? true : undefined), 15_000, 'a dead letter');
    const dead = await (await jetstream(nc).streams.get(dlq)).getMessage({ last_by_subj: names.deadLetterSubject('memory', 'poisoned') });
    expect(dead!.json<EventEnvelope>().id).toBe(poison.id);
    expect(dead!.header.get('mnemo-dlq-error')).toBe('cannot digest this');
    expect(attempts).toBe(3);
    expect(await effects('poison-stream')).toEqual([]);
  });
});
