import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { NatsNames, type EventEnvelope, type MnemoConfig } from '@mnemo/contracts';
import { adminConnectionUrl, EventStore, migrateService, openServiceOrm, prepareServiceDatabase } from '@mnemo/event-store';
import { cleanUpIsolated, environmentOf, eventually, isolatedConfig, spawnFixture, type FixtureProcess } from '@mnemo/testing';
import { ensureStreams } from './streams';

describe('outbox relay (real PostgreSQL and NATS JetStream)', () => {
  let config: MnemoConfig;
  let orm: MikroORM;
  let nc: NatsConnection;
  let store: EventStore;
  const fixtures: FixtureProcess[] = [];

  beforeAll(async () => {
    config = isolatedConfig('memory');
    await prepareServiceDatabase(config, 'memory');
    await migrateService(config, 'memory');
    orm = await openServiceOrm(config, 'memory');
    nc = await connect({ servers: config.natsUrl });
    await ensureStreams(nc, new NatsNames(config.natsPrefix));
    store = new EventStore(orm, new NatsNames(config.natsPrefix), 'memory');
  });

  afterAll(async () => {
    for (const fixture of fixtures) fixture.child.kill('SIGKILL');
    await orm?.close(true);
    await nc?.close();
    await cleanUpIsolated(config);
  });

  it('publishes every event exactly once, in order, when the leader dies after publishing and a standby takes over', async () => {
    const appended: EventEnvelope[] = [];
    for (let i = 0; i < 20; i++) {
      appended.push(...(await store.appendToStream(`space-${i % 3}`, Math.floor(i / 3), [{ type: 'space.touched', data: { i } }], { owner: { workspaceId: '7' }, actor: 'test' })));
    }
    // Hold every outbox row so the leader can publish but cannot mark anything sent.
    const blocker = new Client({ connectionString: adminConnectionUrl(config) });
    blocker.on('error', () => undefined);
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT position FROM memory.outbox FOR UPDATE');

    const leader = spawnFixture('relay-process', environmentOf(config));
    fixtures.push(leader);
    await leader.waitForLine((line) => JSON.parse(line).leader === true);
    const standby = spawnFixture('relay-process', environmentOf(config));
    fixtures.push(standby);
    await standby.waitForLine((line) => JSON.parse(line).leader === false);

    const jsm = await jetstreamManager(nc);
    const streamName = `${config.natsPrefix}_memory`;
    await eventually(async () => ((await jsm.streams.info(streamName)).state.messages === 20 ? true : undefined), 30_000, 'the leader to publish 20 events');
    leader.child.kill('SIGKILL');
    await leader.exited;
    // Once PostgreSQL notices the dead session, its advisory lock passes to the standby.
    await eventually(
      async () => {
        // Inside a transaction pg_stat_activity is a snapshot; clear it to see the present.
        await blocker.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await blocker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [`mnemo-memory-relay-${leader.child.pid}`]);
        return rows[0].n === 0 ? true : undefined;
      },
      30_000,
      'the dead leader session to end',
    );
    await blocker.query('ROLLBACK');
    await blocker.end();

    const final = await standby.waitForLine((line) => JSON.parse(line).published === 20, 30_000);
    expect(JSON.parse(final)).toEqual({ leader: true, published: 20, duplicates: 20 });
    const remaining = await orm.em.fork().execute('SELECT count(*)::int AS n FROM outbox');
    expect(remaining).toEqual([{ n: 0 }]);

    const info = await jsm.streams.info(streamName);
    expect(info.state.messages).toBe(20);
    const stream = await jetstream(nc).streams.get(streamName);
    const published: EventEnvelope[] = [];
    for (let seq = 1; seq <= 20; seq++) published.push((await stream.getMessage({ seq }))!.json<EventEnvelope>());
    expect(published.map((e) => e.id)).toEqual(appended.map((e) => e.id));
    expect(published.map((e) => Number(e.globalPosition))).toEqual([...published.map((e) => Number(e.globalPosition))].sort((a, b) => a - b));
  });

  it('configures streams with a 1 hour duplicate window and 7 day max age, idempotently', async () => {
    await ensureStreams(nc, new NatsNames(config.natsPrefix));
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(`${config.natsPrefix}_memory`);
    expect(info.config.duplicate_window).toBe(3600 * 1e9);
    expect(info.config.max_age).toBe(7 * 24 * 3600 * 1e9);
    expect(info.config.subjects).toEqual([`${config.natsPrefix}.memory.>`]);
  });
});
