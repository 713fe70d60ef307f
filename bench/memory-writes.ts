/**
 * Benchmark: memory writes through the gateway (`POST /v1/memories`) at concurrency 64, against a raw
 * `INSERT` of the same rows into the memory service's `memories` table in the same run.
 */
import http from 'node:http';
import os from 'node:os';
import { Client, Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { processCpuMs } from './gateway-auth';
import { compare, percentile, type BenchmarkModule, type BenchmarkResult } from './harness';
import { jsonRequest, startMemoryBenchStack } from './memory-stack';

export const WRITE_CONCURRENCY = 64;
/** The issue's target for the full write path against a raw INSERT. */
const WRITE_TARGET = 0.4;
const SEQUENTIAL_WRITES = 200;
const SERVICE_POOL_SIZE = 10;
const SPREAD_WORKSPACES = 8;
/** How long gateway writes alone run while the apps' CPU time is read. */
const CPU_PROFILE_MS = 3000;

const fmt = (value: number) => value.toFixed(3);

/** The observation of write `n`: distinct per write (no deduplication), the length of a typical agent note. */
const observationOf = (n: number, side: string) => `bench ${side} note ${n}: deployed the kubernetes operator to the staging cluster after the nightly migration`;

export const memoryWritesBenchmark: BenchmarkModule = {
  id: 'memory-writes',
  title: 'Memory writes through the gateway (`POST /v1/memories`) vs raw INSERT of the same rows',
  async run(settings, log): Promise<BenchmarkResult> {
    const bench = await startMemoryBenchStack(log);
    // As many connections as the memory service's own pool (libs/event-store/src/orm.ts): the same database
    // capacity on both sides, and the server's connection slots (shared with whatever else runs) are not exhausted.
    const pool = new Pool({ connectionString: bench.memoryAppUrl, max: SERVICE_POOL_SIZE });
    const admin = new Client({ connectionString: bench.adminUrl });
    const agent = new http.Agent({ keepAlive: true, maxSockets: WRITE_CONCURRENCY });
    try {
      await admin.connect();
      const url = new URL('/v1/memories', bench.base);
      const headers = { authorization: `Bearer ${bench.key}` };
      // Sanity: a write answers 201 with the memory, and is there.
      const first = await jsonRequest(agent, url, 'POST', headers, { observation: observationOf(-1, 'gateway'), tags: ['bench'], importance: 5 });
      if (typeof first?.uuid !== 'string') throw new Error(`a write answered ${JSON.stringify(first).slice(0, 300)}`);

      const ours = async (n: number) => {
        await jsonRequest(agent, url, 'POST', headers, { observation: observationOf(n, 'gateway'), tags: ['bench'], importance: 5 });
      };
      // The row the projection inserts for such a write (same columns, same search-vector trigger and indexes).
      const baseline = async (n: number) => {
        const now = new Date();
        await pool.query(
          `INSERT INTO memories (id, workspace_id, observation, title, body_md, path, tags, importance, confidence, agent_id, space_id, expires_at, content_key, version, created_at, updated_at)
           VALUES ($1, $2, $3, NULL, NULL, NULL, $4, 5, 0.5, NULL, NULL, NULL, $5, 1, $6, $6)`,
          [uuidv7(), bench.workspaceId, observationOf(n, 'raw'), ['bench'], `raw-${n}`, now],
        );
      };

      const comparison = await compare({
        name: `one workspace, c=${WRITE_CONCURRENCY}`,
        concurrency: WRITE_CONCURRENCY,
        settings,
        baseline: { label: `raw INSERT INTO memories (pg.Pool of ${SERVICE_POOL_SIZE}, memory_app)`, op: baseline },
        ours: { label: 'POST /v1/memories through the gateway', op: ours },
        log,
      });
      // The same load spread over several workspaces: what the per-workspace serialisation of writes costs.
      const spread = [{ workspaceId: bench.workspaceId, key: bench.key }];
      while (spread.length < SPREAD_WORKSPACES) spread.push(await bench.addWorkspace());
      const spreadComparison = await compare({
        name: `${SPREAD_WORKSPACES} workspaces, c=${WRITE_CONCURRENCY}`,
        concurrency: WRITE_CONCURRENCY,
        settings,
        baseline: { label: `raw INSERT INTO memories (pg.Pool of ${SERVICE_POOL_SIZE}, memory_app)`, op: baseline },
        ours: {
          label: `POST /v1/memories through the gateway, ${SPREAD_WORKSPACES} workspaces in turn`,
          op: async (n) => {
            await jsonRequest(agent, url, 'POST', { authorization: `Bearer ${spread[n % SPREAD_WORKSPACES].key}` }, { observation: observationOf(n, 'gateway'), tags: ['bench'], importance: 5 });
          },
        },
        log,
      });

      // CPU per write of the two apps a write passes through: ours alone for a few seconds, /proc before and after.
      const cpu = () => ({ gateway: processCpuMs(bench.stack.processes.get('gateway')?.pid), memory: processCpuMs(bench.stack.processes.get('memory')?.pid) });
      // Meanwhile, what the memory service's database sessions are doing, sampled every 50 ms (pg_stat_activity).
      const before = cpu();
      let profiled = 0;
      const until = performance.now() + CPU_PROFILE_MS;
      const sessions = new Map<string, number>();
      let samples = 0;
      const sampler = (async () => {
        while (performance.now() < until) {
          const { rows } = await admin.query<{ state: string; wait: string | null; query: string }>(
            `SELECT state, wait_event_type || ':' || wait_event AS wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS query
             FROM pg_stat_activity WHERE datname = current_database() AND usename = 'memory_app' AND backend_type = 'client backend'`,
          );
          samples++;
          for (const row of rows) {
            const activity = row.state === 'idle' ? 'idle (no transaction)' : `${row.state}${row.wait ? `, waiting on ${row.wait}` : ''}: ${row.query}`;
            sessions.set(activity, (sessions.get(activity) ?? 0) + 1);
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await Promise.all(
        Array.from({ length: WRITE_CONCURRENCY }, async (_, worker) => {
          for (let i = 0; performance.now() < until; i++) {
            // A refused write (a timeout on a saturated machine) is not counted; the CPU it cost is.
            if (await ours(2_000_000_000 + worker * 100_000 + i).then(() => true, () => false)) profiled++;
          }
        }),
      );
      await sampler;
      const after = cpu();
      const busiest = [...sessions.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4);
      const sessionProfile = busiest.map(([activity, count]) => `${(count / Math.max(1, samples)).toFixed(1)} × ${activity}`).join('; ');
      log(`  memory service sessions (average per sample): ${sessionProfile}`);

      // Where a write's time goes, one at a time: the whole request, against the INSERT alone.
      const sequentialOurs: number[] = [];
      const sequentialRaw: number[] = [];
      const sequentialRead: number[] = [];
      const sequentialHealth: number[] = [];
      const readUrl = new URL(`/v1/memories/${encodeURIComponent(first.uuid)}`, bench.base);
      const healthUrl = new URL('/health', bench.base);
      // Only successful requests are timed (the system is idle again by now, so failures are rare).
      const timed = async (into: number[], request: () => Promise<unknown>) => {
        const t0 = performance.now();
        if (await request().then(() => true, () => false)) into.push(performance.now() - t0);
      };
      for (let i = 0; i < SEQUENTIAL_WRITES; i++) {
        await timed(sequentialOurs, () => ours(1_000_000_000 + i));
        await timed(sequentialRaw, () => baseline(1_000_000_000 + i));
        await timed(sequentialRead, () => jsonRequest(agent, readUrl, 'GET', headers));
        await timed(sequentialHealth, () => jsonRequest(agent, healthUrl, 'GET', {}));
      }
      const p50 = (values: number[]) => percentile(Float64Array.from(values).sort(), 0.5);
      const ratio = comparison.ours.throughput / comparison.baseline.throughput;
      const cpuPerWrite = (app: 'gateway' | 'memory') =>
        before[app] !== undefined && after[app] !== undefined && profiled > 0 ? Math.round(((after[app]! - before[app]!) * 1000) / profiled) : undefined;
      const gatewayCpu = cpuPerWrite('gateway');
      const memoryCpu = cpuPerWrite('memory');
      log(`  sequential: gateway write p50 ${fmt(p50(sequentialOurs))} ms, raw INSERT p50 ${fmt(p50(sequentialRaw))} ms`);
      return {
        id: this.id,
        title: this.title,
        setup: [
          'A full stack as `npm start` runs it (scripts/stack.ts, five Node processes from dist/) against a fresh database, NATS prefix and Redis prefix; every rate limit and plan quota raised so nothing answers 429, and the gateway\'s RPC timeout raised to 30 s so queued writes are measured rather than refused with 503. ' +
            'The bench signs a user up and mints an API key with memory:read and memory:write for the personal workspace.',
          `Ours: \`POST /v1/memories\` with a distinct observation per request (so none is deduplicated), a tag and an importance, from ${WRITE_CONCURRENCY} closed-loop workers over keep-alive connections (node:http) in the bench process: ` +
            'gateway (auth, scopes, rate limit, validation) → NATS RPC → memory service (usage gate, idempotency, event append with outbox, the `memories` row with its search vector and trigram index entries) → reply.',
          `Baseline: the same row (same columns, same triggers and indexes, a distinct observation per row) inserted with one \`INSERT INTO memories\` per operation from ${WRITE_CONCURRENCY} workers through a pg.Pool of ${SERVICE_POOL_SIZE} connections (the memory service's own pool size) as \`memory_app\`, into the same table of the same database, interleaved A-B-B-A with ours.`,
          `Sequential reference: ${SEQUENTIAL_WRITES} writes of each, alternating, one at a time.`,
        ],
        comparisons: [comparison, spreadComparison],
        ratio: {
          label: `gateway writes/s / raw INSERT rows/s, c=${WRITE_CONCURRENCY}`,
          value: ratio,
          meaning: 'The fraction of the raw insert rate of the same rows that a full API write keeps. 1.0 would mean the API, the event store and the RPC hop cost nothing beyond the row itself.',
        },
        figures: [
          {
            label: 'sequential latency, p50 (where a write\'s time goes)',
            value:
              `GET /health ${fmt(p50(sequentialHealth))} ms (HTTP alone); GET /v1/memories/:uuid ${fmt(p50(sequentialRead))} ms (+ auth, NATS RPC, one SELECT); ` +
              `POST /v1/memories ${fmt(p50(sequentialOurs))} ms (+ the write transaction); raw INSERT ${fmt(p50(sequentialRaw))} ms`,
          },
          {
            label: `gateway writes/s, one workspace vs ${SPREAD_WORKSPACES} workspaces (c=${WRITE_CONCURRENCY})`,
            value: `${Math.round(comparison.ours.throughput)} vs ${Math.round(spreadComparison.ours.throughput)}: ratio to raw INSERT ${fmt(ratio)} vs ${fmt(spreadComparison.ours.throughput / spreadComparison.baseline.throughput)}`,
          },
          ...(gatewayCpu !== undefined && memoryCpu !== undefined
            ? [
                {
                  label: `CPU per gateway write (user + system of each process, /proc; ${CPU_PROFILE_MS / 1000} s of gateway writes alone at c=${WRITE_CONCURRENCY})`,
                  value: `gateway ${gatewayCpu} µs, memory service ${memoryCpu} µs; so at most ${Math.round((os.cpus().length * 1e6) / (gatewayCpu + memoryCpu))} writes/s on ${os.cpus().length} cores even if PostgreSQL, NATS and the client took no CPU`,
                },
              ]
            : []),
          {
            label: `memory service database sessions during gateway writes alone (c=${WRITE_CONCURRENCY}; pg_stat_activity every 50 ms, average sessions per sample, top 4)`,
            value: sessionProfile || 'n/a',
          },
          { label: `latency at c=${WRITE_CONCURRENCY}`, value: `raw p50 ${fmt(comparison.baseline.p50Ms)} ms, p99 ${fmt(comparison.baseline.p99Ms)} ms; gateway p50 ${fmt(comparison.ours.p50Ms)} ms, p99 ${fmt(comparison.ours.p99Ms)} ms` },
        ],
        targets: [
          {
            description: `gateway writes/s ≥ ${WRITE_TARGET} × raw INSERT of the same rows at c=${WRITE_CONCURRENCY}`,
            met: ratio >= WRITE_TARGET,
            explanation:
              `Measured ${fmt(ratio)} with all ${WRITE_CONCURRENCY} writers in one workspace (the headline) and ${fmt(spreadComparison.ours.throughput / spreadComparison.baseline.throughput)} with them spread over ${SPREAD_WORKSPACES} workspaces, in this run. ` +
              'See the notes for where the time goes.',
          },
        ],
        notes: [
          'A gateway write is several PostgreSQL round trips in the memory service (idempotency and usage checks, one transaction with the event, outbox row, NOTIFY, projection row and usage counter) plus two HTTP/JSON and two NATS/JSON encodings; ' +
            'the raw side is one statement. Both sides pay the same trigger and index maintenance for the row (search vector, GIN full-text and trigram indexes).',
          'Where the time goes, from the figures above: (1) the usage gate — every write of a workspace ends with `UPDATE usage … WHERE workspace_id = …` (zero overshoot of the plan cap), so the row lock serialises ' +
            'the workspace\'s writes from that statement until COMMIT (the idempotency record, the commit and its WAL flush, and the round trips back to Node on a busy machine); the session sample above shows ' +
            'where the memory service\'s sessions wait in this run (when this benchmark was written: mostly `Lock:transactionid` at that UPDATE, 9 of the 10 pool connections). (2) CPU: the gateway and the memory service spend milliseconds of CPU per write (figure above), which bounds writes/s on this machine ' +
            'well below the raw insert rate even without the lock; spreading the writers over several workspaces (second row) shows how much of the gap the lock alone explains. ' +
            '(3) A pool of 10 connections in the memory service: with 64 writers, most requests queue for a connection while one holds the lock.',
          'The load generator, PostgreSQL, NATS, Redis and all five apps share the machine (see Machine), so the absolute figures move with whatever else runs; the raw side is one statement per row and suffers least from a busy machine.',
        ],
      };
    } finally {
      agent.destroy();
      await pool.end();
      await admin.end().catch(() => undefined);
      log('  stopping the stack');
      await bench.stop();
    }
  },
};
