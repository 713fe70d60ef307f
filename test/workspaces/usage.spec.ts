import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { DEFAULT_PLAN_LIMITS, NatsNames, periodUnitCap, type WorkspaceStatusResource } from '@mnemo/contracts';
import { api, connectTestRpc, eventually, freePort, signUp, testStack, type TestUser } from '@mnemo/testing';
import { admin, publishedWorkspaceEvents, publishUsageFact, stackQuery, workspacesReplicaEnvironment } from './lifecycle-helpers';

const FREE_WRITES = DEFAULT_PLAN_LIMITS.free.includedUnits.writes;

const status = async (user: TestUser): Promise<WorkspaceStatusResource> => {
  const response = await api('GET', '/v1/status', { token: user.token, workspace: user.workspace.workspace_id });
  expect(response.status).toBe(200);
  return response.body;
};

const recordUsage = publishUsageFact;

const inboxRows = async (eventId: string) =>
  (await stackQuery(`SELECT 1 FROM workspaces.inbox WHERE consumer = 'workspaces.usage-ledger' AND event_id = $1`, [eventId])).length;

describe('usage ledger', () => {
  it('counts each usage.recorded fact once, however often it is delivered', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const { period_start } = await status(ada);
    const first = await recordUsage(id, period_start, 'writes', 7, 3);
    const second = await recordUsage(id, period_start, 'retrieves', 5, 2);
    await eventually(async () => ((await inboxRows(first)) === 1 && (await inboxRows(second)) === 1 ? true : undefined), 20_000, 'both facts in the inbox');
    const usage = await eventually(async () => {
      const current = (await status(ada)).usage;
      return current.writes === 7 && current.retrieves === 5 ? current : undefined;
    }, 20_000, 'the ledger to count the facts');
    expect(usage).toEqual({ writes: 7, retrieves: 5, runs: 0 });
    // A fourth delivery of the first fact, after the ledger counted it, adds nothing either.
    const names = new NatsNames(testStack().natsPrefix);
    const rpc = await connectTestRpc();
    try {
      const again = { id: first, type: 'usage.recorded', schemaVersion: 1, streamId: `usage-${id}`, streamVersion: 1, workspaceId: String(id), actor: 'system:test', occurredAt: new Date().toISOString(), data: { workspace_id: id, period_start, unit: 'writes', quantity: 7 } };
      await jetstream(rpc.nc).publish(names.event('memory', 'usage', 'recorded'), JSON.stringify(again), { msgID: `${first}-late` });
    } finally {
      await rpc.close();
    }
    const marker = await recordUsage(id, period_start, 'runs', 1);
    await eventually(async () => ((await status(ada)).usage.runs === 1 ? true : undefined), 20_000, 'the marker fact');
    expect(await inboxRows(marker)).toBe(1);
    expect((await status(ada)).usage).toEqual({ writes: 7, retrieves: 5, runs: 1 });
  });

  it('is limit_reached when a unit reaches its cap (n − 1 stays active, n does not)', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const { period_start } = await status(ada);
    await recordUsage(id, period_start, 'writes', FREE_WRITES - 1);
    await eventually(async () => ((await status(ada)).usage.writes === FREE_WRITES - 1 ? true : undefined), 20_000, 'the first fact');
    expect((await status(ada)).workspace_status).toBe('active');
    await recordUsage(id, period_start, 'writes', 1);
    const reached = await eventually(async () => {
      const current = await status(ada);
      return current.workspace_status === 'limit_reached' ? current : undefined;
    }, 20_000, 'limit_reached');
    expect(reached.usage.writes).toBe(FREE_WRITES);
    const published = await eventually(async () => {
      const events = await publishedWorkspaceEvents('workspace.status_changed', id);
      return events.length > 0 ? events : undefined;
    }, 15_000, 'workspace.status_changed');
    expect(published.map((event) => event.data)).toEqual([{ workspace_id: id, status: 'limit_reached', previous_status: 'active', reason: null }]);
  });

  it('downgrading to a plan whose cap the usage already reached is limit_reached at once; upgrading lifts it', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    await admin('PUT', `/admin/workspaces/${id}/plan`, { body: { plan_name: 'pro', reason: 'trial' } });
    const { period_start } = await status(ada);
    await recordUsage(id, period_start, 'writes', FREE_WRITES + 10);
    await eventually(async () => ((await status(ada)).usage.writes === FREE_WRITES + 10 ? true : undefined), 20_000, 'the usage');
    expect((await status(ada)).workspace_status).toBe('active');
    const downgraded = await admin('PUT', `/admin/workspaces/${id}/plan`, { body: { plan_name: 'free', reason: 'trial over' } });
    expect(downgraded.body).toMatchObject({ plan_name: 'free', workspace_status: 'limit_reached' });
    expect((await status(ada)).workspace_status).toBe('limit_reached');
    const upgraded = await admin('PUT', `/admin/workspaces/${id}/plan`, { body: { plan_name: 'pro', reason: 'paid' } });
    expect(upgraded.body).toMatchObject({ plan_name: 'pro', workspace_status: 'active' });
    expect(periodUnitCap(DEFAULT_PLAN_LIMITS.pro, 'writes')).toBeGreaterThan(FREE_WRITES + 10);
  });
});

describe('usage period rollover', () => {
  let replica: ChildProcess | undefined;

  afterAll(async () => {
    if (replica && replica.exitCode === null) {
      const exited = new Promise((resolve) => replica!.once('exit', resolve));
      replica.kill('SIGTERM');
      await exited;
    }
  });

  /** A second workspaces-service process on the test stack: both poll for due periods. */
  async function startSecondReplica(): Promise<void> {
    const port = await freePort();
    replica = spawn(process.execPath, [join(process.cwd(), 'dist', 'apps', 'workspaces', 'src', 'main.js')], {
      env: {
        ...process.env,
        ...workspacesReplicaEnvironment(),
        PORT: String(port),
        USAGE_ROLLOVER_POLL_MS: '200',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    await eventually(
      async () => {
        if (replica!.exitCode !== null) throw new Error(`the second replica exited with ${replica!.exitCode}`);
        return (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.status === 200 ? true : undefined;
      },
      60_000,
      'the second workspaces replica',
    );
  }

  it('starts the next period exactly once per workspace with two replicas polling, lifting limit_reached and resetting usage', async () => {
    await startSecondReplica();
    const users = await Promise.all([signUp(), signUp(), signUp(), signUp(), signUp()]);
    const before = await Promise.all(users.map(status));
    // The first one reached its limit in the period that ends.
    await recordUsage(users[0].workspace.workspace_id, before[0].period_start, 'writes', FREE_WRITES);
    await eventually(async () => ((await status(users[0])).workspace_status === 'limit_reached' ? true : undefined), 20_000, 'limit_reached');

    const ids = users.map((user) => user.workspace.workspace_id);
    // Arranging time: the periods' due rows say they ended now (the rollover starts the period after them).
    await stackQuery('UPDATE workspaces.usage_periods SET ends_at = now() WHERE workspace_id = ANY($1::int[])', [ids]);

    const after = await eventually(async () => {
      const current = await Promise.all(users.map(status));
      return current.every((s, i) => s.period_start === before[i].period_end) ? current : undefined;
    }, 30_000, 'the rollover of every workspace');
    for (const [i, s] of after.entries()) {
      expect(s.usage).toEqual({ writes: 0, retrieves: 0, runs: 0 });
      expect(s.workspace_status).toBe('active');
      expect(Date.parse(s.period_end)).toBeGreaterThan(Date.parse(before[i].period_end));
    }
    // Give both replicas several more polls, then count: one rollover per workspace, by one replica each.
    const rows = await eventually(async () => {
      const started = await stackQuery<{ stream_id: string; actor: string }>(
        `SELECT stream_id, metadata->>'actor' AS actor FROM workspaces.events WHERE type = 'workspace.period_started' AND stream_id = ANY($1::text[]) AND stream_version > 2`,
        [ids.map((id) => `workspace-${id}`)],
      );
      const stillDue = await stackQuery('SELECT 1 FROM workspaces.usage_periods WHERE workspace_id = ANY($1::int[]) AND ends_at <= now()', [ids]);
      return stillDue.length === 0 ? started : undefined;
    }, 20_000, 'no due rows left');
    expect(rows.map((row) => row.stream_id).sort()).toEqual(ids.map((id) => `workspace-${id}`).sort());
    for (const row of rows) expect(row.actor).toMatch(/^system:rollover:\d+$/);
    // Published once each, too.
    const published = await publishedWorkspaceEvents('workspace.period_started', ids[0]);
    expect(published.map((event) => event.data.period_start)).toEqual([before[0].period_start, before[0].period_end]);
  });
});
