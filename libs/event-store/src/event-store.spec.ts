import type { MikroORM } from '@mikro-orm/postgresql';
import { MnemoError, NatsNames, type EventEnvelope, type MnemoConfig } from '@mnemo/contracts';
import { cleanUpIsolated, isolatedConfig } from '@mnemo/testing';
import { EventStore, WrongExpectedVersion } from './event-store';
import { migrateService } from './migrations';
import { openServiceOrm } from './orm';
import { prepareServiceDatabase } from './database';

/** A tiny aggregate for the pipeline: a counter that refuses to go above a limit. */
interface Counter {
  value: number;
}
const evolve = (state: Counter, event: EventEnvelope): Counter =>
  event.type === 'counter.incremented' ? { value: state.value + (event.data.by as number) } : state;
const increment = (by: number, limit = Infinity) => (state: Counter) => {
  if (state.value + by > limit) throw new MnemoError('CONFLICT', 'limit reached', { limit });
  return [{ type: 'counter.incremented', data: { by } }];
};

describe('event store (real PostgreSQL)', () => {
  let config: MnemoConfig;
  let orm: MikroORM;
  let store: EventStore;

  beforeAll(async () => {
    config = isolatedConfig('memory');
    await prepareServiceDatabase(config, 'memory');
    await migrateService(config, 'memory');
    orm = await openServiceOrm(config, 'memory', { poolSize: 20 });
    store = new EventStore(orm, new NatsNames(config.natsPrefix), 'memory');
  });

  afterAll(async () => {
    await orm?.close(true);
    await cleanUpIsolated(config);
  });

  const owner = { workspaceId: '1' };

  it('lets exactly one of 100 concurrent appends at the same expected version succeed', async () => {
    const streamId = `counter-${Date.now()}`;
    await store.appendToStream(streamId, 0, [{ type: 'counter.incremented', data: { by: 1 } }], { owner, actor: 'test' });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        store.appendToStream(streamId, 1, [{ type: 'counter.incremented', data: { by: i } }], { owner, actor: 'test' }),
      ),
    );
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(99);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(WrongExpectedVersion);
    const events = await store.readStream(streamId);
    expect(events.map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('stores the envelope with one owner id, and an outbox row per event on the service subject', async () => {
    const streamId = `envelope-${Date.now()}`;
    const [appended] = await store.appendToStream(streamId, 0, [{ type: 'counter.incremented', data: { by: 2 } }], {
      owner,
      actor: 'user:42',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const [read] = await store.readStream(streamId);
    expect(read).toEqual(appended);
    expect(read).toMatchObject({ type: 'counter.incremented', schemaVersion: 1, streamVersion: 1, workspaceId: '1', actor: 'user:42' });
    expect(read.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    const rows = await orm.em.fork().execute<{ subject: string; message_id: string; headers: Record<string, string> }[]>(
      'SELECT subject, message_id, headers FROM outbox WHERE message_id = ?',
      [read.id],
    );
    expect(rows).toEqual([
      { subject: `${config.natsPrefix}.memory.counter.incremented`, message_id: read.id, headers: { traceparent: appended.traceparent } },
    ]);
  });

  it('reloads and re-decides on a version conflict, so concurrent commands all land in order', async () => {
    const streamId = `retry-${Date.now()}`;
    const replies = await Promise.all(
      [1, 2, 3].map((by) =>
        store.handle({
          streamId,
          initialState: { value: 0 },
          evolve,
          decide: increment(by),
          owner,
          actor: 'test',
          reply: (state) => state.value,
        }),
      ),
    );
    expect(replies.every((r) => r.ok)).toBe(true);
    const events = await store.readStream(streamId);
    expect(events.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect(events.reduce(evolve, { value: 0 }).value).toBe(6);
  });

  it('answers a stale If-Match version with CONFLICT instead of retrying, and a business refusal with its code', async () => {
    const streamId = `ifmatch-${Date.now()}`;
    const base = { streamId, initialState: { value: 0 }, evolve, owner, actor: 'test', reply: (s: Counter) => s.value };
    expect(await store.handle({ ...base, decide: increment(5) })).toEqual({ ok: true, data: 5 });
    const stale = await store.handle({ ...base, decide: increment(1), ifMatchVersion: 0 });
    expect(stale).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { reason: 'stale_etag' } } });
    const refused = await store.handle({ ...base, decide: increment(10, 10) });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: 'limit reached' } });
    expect(await store.readStream(streamId)).toHaveLength(1);
  });

  describe('idempotency', () => {
    const command = (streamId: string, key: string, body: unknown) => ({
      streamId,
      initialState: { value: 0 },
      evolve,
      decide: increment(1),
      owner,
      actor: 'test',
      reply: (state: Counter) => ({ value: state.value, secret: 'shown-once' }),
      idempotency: { workspaceId: '1', principal: 'key:1', method: 'POST', route: '/v1/things', key, body, redact: (r: { value: number }) => ({ value: r.value }) },
    });

    it('executes 50 concurrent requests with one key once', async () => {
      const streamId = `idem-${Date.now()}`;
      const replies = await Promise.all(Array.from({ length: 50 }, () => store.handle(command(streamId, 'k-50', { n: 1 }))));
      expect(await store.readStream(streamId)).toHaveLength(1);
      const successes = replies.filter((r) => r.ok);
      const inProgress = replies.filter((r) => !r.ok && r.error.code === 'CONFLICT' && r.error.details?.reason === 'in_progress');
      expect(successes.length).toBeGreaterThanOrEqual(1);
      expect(successes.length + inProgress.length).toBe(50);
      for (const success of successes) expect(success.ok && (success.data as { value: number }).value).toBe(1);
    });

    it('replays the first answer without its secrets, and refuses the same key with another body (422)', async () => {
      const streamId = `idem-replay-${Date.now()}`;
      const first = await store.handle(command(streamId, 'k-replay', { n: 1 }));
      expect(first).toEqual({ ok: true, data: { value: 1, secret: 'shown-once' } });
      const replay = await store.handle(command(streamId, 'k-replay', { n: 1 }));
      expect(replay).toEqual({ ok: true, data: { value: 1 } });
      const mismatch = await store.handle(command(streamId, 'k-replay', { n: 2 }));
      expect(mismatch).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_MISMATCH' } });
      expect(await store.readStream(streamId)).toHaveLength(1);
      const stored = await orm.em.fork().execute('SELECT response::text AS response FROM idempotency_records WHERE key = ?', ['k-replay']);
      expect(stored[0].response).not.toContain('shown-once');
    });

    it('gives the key back when the work fails unexpectedly, so a retry runs', async () => {
      const streamId = `idem-fail-${Date.now()}`;
      const failing = {
        ...command(streamId, 'k-fail', {}),
        decide: () => {
          throw new Error('database fell over');
        },
      };
      await expect(store.handle(failing)).rejects.toThrow('database fell over');
      expect(await store.handle(command(streamId, 'k-fail', {}))).toMatchObject({ ok: true });
    });
  });
});
