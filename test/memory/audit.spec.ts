import { createHash } from 'node:crypto';
import { Client } from 'pg';
import type { AuditEventResource, MemoryResource } from '@mnemo/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { api, connectTestRpc, eventually, mintKey, signUp, testStack, TEST_DATABASE_URL, type ApiResponse } from '@mnemo/testing';
import { chainRecords, GENESIS_HASH, type ChainedRecord } from '../../apps/memory/src/audit/audit.chain';
import { as, createSpace, rememberIn, tenant, untilReadable, type Tenant } from './cross-tenant-fixtures';

const AUDIT_FIELDS = [
  'id',
  'seq',
  'occurred_at',
  'owner_workspace_id',
  'actor_workspace_id',
  'actor_key_id',
  'actor_user_id',
  'agent_ref',
  'action',
  'resource_type',
  'resource_id',
  'outcome',
  'cross_tenant',
  'count',
  'request_id',
  'hash',
  'prev_hash',
].sort();

/** The refusal window the test stack runs with (AUDIT_REFUSAL_WINDOW_MS in libs/testing's global setup). */
const REFUSAL_WINDOW_MS = 3000;

/** A connection to the test database as `role` (the PostgreSQL superuser unless told otherwise). */
async function connect(role = 'postgres'): Promise<Client> {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${testStack().databaseName}`;
  if (role !== 'postgres') {
    url.username = role;
    url.password = '';
  }
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

async function asSuperuser<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every record a workspace may list with these filters, walking the cursor. */
async function listAll(call: (method: string, path: string) => Promise<ApiResponse>, query = ''): Promise<AuditEventResource[]> {
  const all: AuditEventResource[] = [];
  let cursor: string | null = null;
  do {
    const response = await call('GET', `/v1/audit-events?limit=100${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (response.status !== 200) throw new Error(`list failed: ${response.status} ${JSON.stringify(response.body)}`);
    all.push(...response.body.audit_events);
    cursor = response.body.next_cursor;
  } while (cursor);
  return all;
}

const verify = (t: Tenant) => as(t, 'session')('GET', '/v1/audit-events/verify');

/** Waits until the workspace's chain holds at least `records` and a signed checkpoint covers its last one. */
async function untilCheckpointed(t: Tenant, records: number): Promise<{ valid: boolean; checked: number; last_checkpoint_seq: number }> {
  return eventually(async () => {
    const response = await verify(t);
    const verdict = response.body;
    return response.status === 200 && verdict.valid && verdict.checked >= records && verdict.last_checkpoint_seq === verdict.checked ? verdict : undefined;
  }, 30_000, `a checkpoint at seq ${records} or later`);
}

describe('the audit log', () => {
  it('records each grantee read for the owner and the accessor, with opaque ids only, and applies every filter', async () => {
    const [A, B, C] = await Promise.all([tenant('pro'), tenant(), tenant()]);
    const bKey = await mintKey(B.session, B.id, ['memory:read'], { agent_id: 'agent-7' });
    const space = await createSpace(A, { name: 'audited', allowed_tenant_ids: [String(B.id)] });
    await rememberIn(A, space.space_id, 'a secret the log must never hold');
    const read = (path: string) => api('GET', path, { token: bKey.key });
    await untilReadable(() => read(`/v1/context-spaces/${space.space_id}`));
    const memories = await read(`/v1/context-spaces/${space.space_id}/memories?q=secret`);
    expect(memories.status).toBe(200);

    const resource = `&resource_id=${encodeURIComponent(space.space_id)}`;
    const owners = await listAll(as(A, 'session'), resource);
    const reads = owners.filter((e) => e.actor_workspace_id === B.id);
    expect(reads.map((e) => e.action).sort()).toEqual(['space.memories_listed', 'space.read']);
    for (const event of reads) {
      expect(Object.keys(event).sort()).toEqual(AUDIT_FIELDS);
      expect(event).toMatchObject({
        owner_workspace_id: A.id,
        actor_workspace_id: B.id,
        actor_key_id: bKey.id,
        actor_user_id: null,
        agent_ref: createHash('sha256').update(`${B.id}:agent-7`).digest('hex'),
        resource_type: 'context_space',
        resource_id: space.space_id,
        outcome: 'allowed',
        cross_tenant: true,
        count: 1,
        request_id: expect.any(String),
      });
    }
    // Opaque ids only: no content, no query text, no agent id, no address.
    expect(JSON.stringify(owners)).not.toMatch(/secret|agent-7|127\.0\.0\.1|198\.18\./);
    // The owner's own change of the space is in its chain too.
    expect(owners.filter((e) => e.actor_workspace_id === A.id).map((e) => [e.action, e.cross_tenant, e.actor_user_id])).toEqual([['space.created', false, A.owner.user.id]]);

    // The accessor lists the records where it acted, not the owner's own.
    const accessor = await listAll(as(B, 'session'), resource);
    expect(accessor.map((e) => e.id).sort()).toEqual(reads.map((e) => e.id).sort());
    expect(await listAll(as(C, 'session'), resource)).toEqual([]);

    // Every filter is applied.
    const owner = as(A, 'session');
    const count = async (query: string) => (await listAll(owner, `${resource}${query}`)).length;
    expect(await count('&action=space.read')).toBe(1);
    expect(await count(`&actor_workspace_id=${B.id}`)).toBe(2);
    expect(await count(`&actor_workspace_id=${C.id}`)).toBe(0);
    expect(await count('&outcome=refused')).toBe(0);
    expect(await count('&outcome=allowed')).toBe(3);
    expect(await count('&cross_tenant=true')).toBe(2);
    expect(await count('&cross_tenant=false')).toBe(1);
    const first = owners[0].occurred_at;
    expect(await count(`&to=${encodeURIComponent(first)}`)).toBe(0);
    expect(await count(`&from=${encodeURIComponent(first)}`)).toBe(3);
    expect(await count(`&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toBe(0);
    // The bare UUID finds the space as well.
    expect((await listAll(owner, `&resource_id=${space.space_id.replace('urn:uuid:', '')}`)).length).toBe(3);
    // Paging one by one walks the same records in order.
    const one = await owner('GET', `/v1/audit-events?limit=1${resource}`);
    expect([one.body.audit_events.length, typeof one.body.next_cursor]).toEqual([1, 'string']);
    const next = await owner('GET', `/v1/audit-events?limit=1${resource}&cursor=${encodeURIComponent(one.body.next_cursor)}`);
    expect(next.body.audit_events[0].id).toBe(owners[1].id);
    for (const bad of ['action=space.eaten', 'outcome=maybe', 'cross_tenant=yes', 'from=yesterday', 'to=2026-13-45', 'actor_workspace_id=abc', 'cursor=%%%', 'limit=0', 'limit=101', 'colour=red']) {
      const response = await owner('GET', `/v1/audit-events?${bad}`);
      expect([bad, response.status, response.body.error?.code]).toEqual([bad, 400, 'VALIDATION_ERROR']);
    }
    expect((await owner('GET', '/v1/audit-events?limit=100')).status).toBe(200);
  });

  it('takes 1,000 cross-tenant reads, 100 at a time, as exactly 1,000 records, and the chain verifies', async () => {
    const [A, B] = await Promise.all([tenant('pro'), tenant('team')]);
    const space = await createSpace(A, { name: 'busy', allowed_tenant_ids: [String(B.id)] });
    await rememberIn(A, space.space_id, 'read a thousand times');
    const path = `/v1/context-spaces/${space.space_id}/memories`;
    // The first read waits for the grant to be active; it is one of the thousand.
    await untilReadable(() => api('GET', path, { token: B.unbound }));
    // The other 999 from 100 clients at once: every read overlaps ~99 others on the one chain head and the reader's
    // usage row. (All 999 in one burst queue past the gateway's 5 s RPC timeout on this 2-core machine: the
    // service answers 503 UNAVAILABLE for those — shedding load is the reliability issue's business.)
    const responses: ApiResponse[] = [];
    let remaining = 999;
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (remaining > 0) {
          remaining -= 1;
          responses.push(await api('GET', path, { token: B.unbound }));
        }
      }),
    );
    expect(responses).toHaveLength(999);
    expect(responses.filter((r) => r.status !== 200).map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
    expect(responses.every((r) => (r.body.memories as MemoryResource[]).length === 1)).toBe(true);

    const records = await listAll(as(A, 'session'), `&action=space.memories_listed&actor_workspace_id=${B.id}`);
    expect(records.length).toBe(1000);
    expect(new Set(records.map((r) => r.request_id)).size).toBe(1000);
    const verdict = await untilCheckpointed(A, 1001);
    expect(verdict).toEqual({ valid: true, checked: (await listAll(as(A, 'session'))).length, last_checkpoint_seq: verdict.checked });
  });

  describe('tampering by a superuser', () => {
    /** A workspace whose chain holds 4 records (its membership and three changes of a space), all checkpointed. */
    async function checkpointedChain(): Promise<{ owner: Tenant; rows: ChainedRecord[] }> {
      const user = await signUp();
      const owner: Tenant = { owner: user, id: user.workspace.workspace_id, session: user.token, unbound: '', agent1: '', agent2: '' };
      await eventually(async () => ((await listAll(as(owner, 'session'), '&action=membership.granted')).length === 1 ? true : undefined), 15_000, 'the membership record');
      const space = await createSpace(owner, { name: 'tamper target' });
      for (const name of ['renamed once', 'renamed twice']) expect((await as(owner, 'session')('PUT', `/v1/context-spaces/${space.space_id}`, { name })).status).toBe(200);
      expect((await untilCheckpointed(owner, 4)).checked).toBe(4);
      const rows = await asSuperuser(async (db) => (await db.query('SELECT * FROM memory.audit_events WHERE owner_workspace_id = $1 ORDER BY seq', [owner.id])).rows);
      return {
        owner,
        rows: rows.map((r) => ({ ...r, seq: Number(r.seq), occurred_at: new Date(r.occurred_at).toISOString() })),
      };
    }

    /** Runs SQL as the superuser with the append-only triggers switched off for the session, as an attacker would. */
    const tamper = (sql: string, params: unknown[]) =>
      asSuperuser(async (db) => {
        await db.query('BEGIN');
        await db.query("SET LOCAL session_replication_role = 'replica'");
        await db.query(sql, params);
        await db.query('COMMIT');
      });

    it('detects a flipped field, a deleted row, swapped rows, a forged row and a rewrite with recomputed hashes: 5/5', async () => {
      const chains = await Promise.all(Array.from({ length: 5 }, () => checkpointedChain()));
      const [flip, deletion, swap, forgery, rewrite] = chains;

      await tamper('UPDATE memory.audit_events SET cross_tenant = NOT cross_tenant WHERE owner_workspace_id = $1 AND seq = 2', [flip.owner.id]);
      await tamper('DELETE FROM memory.audit_events WHERE owner_workspace_id = $1 AND seq = 3', [deletion.owner.id]);
      await tamper('UPDATE memory.audit_events SET seq = 1000000 WHERE owner_workspace_id = $1 AND seq = 2', [swap.owner.id]);
      await tamper('UPDATE memory.audit_events SET seq = 2 WHERE owner_workspace_id = $1 AND seq = 3', [swap.owner.id]);
      await tamper('UPDATE memory.audit_events SET seq = 3 WHERE owner_workspace_id = $1 AND seq = 1000000', [swap.owner.id]);
      const last = forgery.rows[forgery.rows.length - 1];
      const [forged] = chainRecords({ seq: last.seq, hash: last.hash }, [{ ...last, id: '0190b6c0-0000-7000-8000-00000000f0f0', action: 'space.read', cross_tenant: true }]);
      await tamper(
        `INSERT INTO memory.audit_events (owner_workspace_id, seq, id, occurred_at, actor_workspace_id, actor_key_id, actor_user_id, agent_ref, action, resource_type,
           resource_id, outcome, cross_tenant, count, request_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
        [forged.owner_workspace_id, forged.seq, forged.id, forged.occurred_at, forged.actor_workspace_id, forged.actor_key_id, forged.actor_user_id, forged.agent_ref,
          forged.action, forged.resource_type, forged.resource_id, forged.outcome, forged.cross_tenant, forged.count, forged.request_id, forged.prev_hash, forged.hash],
      );
      // The thorough attacker: rewrites history, recomputes every hash and moves the chain head.
      const rewritten = chainRecords({ seq: 0, hash: GENESIS_HASH }, rewrite.rows.map(({ seq: _s, hash: _h, prev_hash: _p, ...r }, i) => (i === 1 ? { ...r, actor_user_id: null } : r)));
      await asSuperuser(async (db) => {
        await db.query('BEGIN');
        await db.query("SET LOCAL session_replication_role = 'replica'");
        for (const row of rewritten) {
          await db.query('UPDATE memory.audit_events SET actor_user_id = $3, prev_hash = $4, hash = $5 WHERE owner_workspace_id = $1 AND seq = $2', [row.owner_workspace_id, row.seq, row.actor_user_id, row.prev_hash, row.hash]);
        }
        await db.query('UPDATE memory.chain_heads SET hash = $2 WHERE owner_workspace_id = $1', [rewrite.owner.id, rewritten[rewritten.length - 1].hash]);
        await db.query('COMMIT');
      });

      const verdicts = await Promise.all(chains.map(async ({ owner }) => (await verify(owner)).body));
      expect(verdicts.map((v) => [v.valid, v.first_broken_seq])).toEqual([
        [false, 2],
        [false, 3],
        [false, 2],
        [false, last.seq + 1],
        [false, expect.any(Number)],
      ]);
      expect(verdicts.filter((v) => v.valid === false)).toHaveLength(5);
    });
  });

  it('publishes signed checkpoints to a JetStream stream that refuses deletes and purges', async () => {
    const user = await signUp();
    const owner: Tenant = { owner: user, id: user.workspace.workspace_id, session: user.token, unbound: '', agent1: '', agent2: '' };
    await createSpace(owner, { name: 'checkpointed' });
    const verdict = await untilCheckpointed(owner, 2);
    const rpc = await connectTestRpc();
    try {
      const jsm = await jetstreamManager(rpc.nc);
      const stream = `${testStack().natsPrefix}_audit_checkpoints`;
      const info = await jsm.streams.info(stream);
      expect([info.config.deny_delete, info.config.deny_purge, info.config.max_age]).toEqual([true, true, 0]);
      const last = await jsm.streams.getMessage(stream, { last_by_subj: `${testStack().natsPrefix}.audit.checkpoints.${owner.id}` });
      const checkpoint = last!.json<Record<string, unknown>>();
      const [head] = await asSuperuser(async (db) => (await db.query('SELECT seq, hash FROM memory.chain_heads WHERE owner_workspace_id = $1', [owner.id])).rows);
      expect(checkpoint).toEqual({ chain: owner.id, seq: verdict.last_checkpoint_seq, hash: head.hash, signed_at: expect.any(String), signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
      await expect(jsm.streams.deleteMessage(stream, last!.seq)).rejects.toThrow();
      await expect(jsm.streams.purge(stream)).rejects.toThrow();
      expect((await jsm.streams.getMessage(stream, { seq: last!.seq }))?.seq).toBe(last!.seq);
    } finally {
      await rpc.close();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit table to the app role, and to the owner role through triggers', async () => {
    // Rows to refuse changing: a new workspace's membership record.
    const user = await signUp();
    const mine: Tenant = { owner: user, id: user.workspace.workspace_id, session: user.token, unbound: '', agent1: '', agent2: '' };
    await eventually(async () => ((await listAll(as(mine, 'session'))).length > 0 ? true : undefined), 15_000, 'a record');
    const app = await connect('memory_app');
    try {
      for (const sql of ['UPDATE audit_events SET count = 2', 'DELETE FROM audit_events', 'TRUNCATE audit_events', 'DELETE FROM chain_heads']) {
        await expect(app.query(sql)).rejects.toMatchObject({ code: '42501' });
      }
      // What it may do: read and append.
      await expect(app.query('SELECT count(*) FROM audit_events')).resolves.toBeDefined();
    } finally {
      await app.end();
    }
    const owner = await connect('memory_owner');
    try {
      for (const sql of ['UPDATE audit_events SET count = 2', 'DELETE FROM audit_events', 'TRUNCATE audit_events']) {
        await expect(owner.query(sql)).rejects.toThrow(/append-only/);
      }
    } finally {
      await owner.end();
    }
  });

  it('records the first refused attempt at once and the rest of its window as one summary with count', async () => {
    const [G, H] = await Promise.all([tenant('pro'), tenant()]);
    const space = await createSpace(G, { name: 'gated', allowed_tenant_ids: [String(H.id)], allowed_agent_ids: ['someone-else'] });
    const attempt = () => as(H, 'unbound')('GET', `/v1/context-spaces/${space.space_id}/memories`);
    // The grant is live once the refusal names the agent gate rather than the owner's plan.
    await eventually(async () => ((await attempt()).body.error?.details?.reason === 'agent_not_allowed' ? true : undefined), 15_000, 'the agent gate');
    // Five attempts that share one refusal window, from a key of their own (refusals are coalesced per actor, so
    // the probe's stay apart). On a very loaded machine five requests may straddle a window's end: that round is
    // discarded (client and service share the clock, so same-window on the client means same-window in the
    // service) and tried again with a new key.
    for (let round = 1; ; round++) {
      const attempter = await mintKey(H.session, H.id, ['memory:read']);
      await eventually(async () => {
        const windowEnd = (Math.floor(Date.now() / REFUSAL_WINDOW_MS) + 1) * REFUSAL_WINDOW_MS;
        return windowEnd - Date.now() > REFUSAL_WINDOW_MS * 0.8 ? true : undefined;
      }, 10_000, 'the start of a refusal window');
      const started = Date.now();
      for (let i = 0; i < 5; i++) {
        const response = await api('GET', `/v1/context-spaces/${space.space_id}/memories`, { token: attempter.key });
        expect([response.status, response.body.error.code, response.body.error.details.reason]).toEqual([403, 'FORBIDDEN', 'agent_not_allowed']);
      }
      if (Math.floor(started / REFUSAL_WINDOW_MS) !== Math.floor(Date.now() / REFUSAL_WINDOW_MS)) {
        if (round < 3) continue;
        throw new Error('five requests never fit in one refusal window');
      }
      const records = await eventually(async () => {
        const all = (await listAll(as(G, 'session'), `&resource_id=${encodeURIComponent(space.space_id)}&outcome=refused`)).filter((r) => r.actor_key_id === attempter.id);
        return all.length === 2 ? all : undefined;
      }, 20_000, 'the summary record');
      expect(records.map((r) => [r.action, r.outcome, r.count, r.actor_workspace_id, r.cross_tenant])).toEqual([
        ['space.memories_listed', 'refused', 1, H.id, true],
        ['space.memories_listed', 'refused', 4, H.id, true],
      ]);
      expect([typeof records[0].request_id, records[1].request_id]).toEqual(['string', null]);
      return;
    }
  });

  it('fails closed: when the audit row cannot be written the request answers 503 and nothing else', async () => {
    const [F, B] = await Promise.all([tenant('pro'), tenant()]);
    const space = await createSpace(F, { name: 'fail closed', allowed_tenant_ids: [String(B.id)] });
    await rememberIn(F, space.space_id, 'never leaves without its record');
    const read = () => as(B, 'unbound')('GET', `/v1/context-spaces/${space.space_id}/memories`);
    await untilReadable(read);
    const trigger = `test_refuse_audit_${F.id}`;
    await asSuperuser(async (db) => {
      await db.query(`CREATE OR REPLACE FUNCTION memory.${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the test refuses this audit row'; END $$`);
      await db.query(`CREATE TRIGGER ${trigger} BEFORE INSERT ON memory.audit_events FOR EACH ROW WHEN (NEW.owner_workspace_id = ${F.id}) EXECUTE FUNCTION memory.${trigger}()`);
    });
    try {
      for (const response of [await read(), await as(B, 'unbound')('GET', `/v1/context-spaces/${space.space_id}`)]) {
        expect([response.status, response.body.error?.code, Object.keys(response.body)]).toEqual([503, 'UNAVAILABLE', ['error']]);
      }
      // An audited change does not happen either.
      const created = await as(F, 'session')('POST', '/v1/context-spaces', { name: 'never created' });
      expect([created.status, created.body.error?.code]).toEqual([503, 'UNAVAILABLE']);
      expect((await as(F, 'session')('GET', '/v1/context-spaces')).body.spaces.map((s: { name: string }) => s.name)).toEqual(['fail closed']);
    } finally {
      await asSuperuser((db) => db.query(`DROP TRIGGER ${trigger} ON memory.audit_events`));
    }
    expect((await read()).status).toBe(200);
  });

  it("copies identity's key events and the workspaces service's membership events into the workspace's chain", async () => {
    const owner = await signUp();
    const workspace = owner.workspace.workspace_id;
    const key = await mintKey(owner.token, workspace, ['memory:read']);
    expect((await api('POST', `/v1/workspaces/${workspace}/api-keys/${key.id}/rotate`, { token: owner.token })).status).toBeLessThan(300);
    expect((await api('DELETE', `/v1/workspaces/${workspace}/api-keys/${key.id}`, { token: owner.token })).status).toBeLessThan(300);
    const list = (query: string) => listAll((method, path) => api(method, path, { token: owner.token, workspace }), query);
    const keyEvents = await eventually(async () => {
      const events = await list(`&resource_id=${key.id}`);
      return events.length === 3 ? events : undefined;
    }, 15_000, 'the key records');
    expect(keyEvents.map((e) => [e.action, e.resource_type, e.actor_user_id, e.actor_workspace_id, e.cross_tenant])).toEqual([
      ['api_key.created', 'api_key', owner.user.id, workspace, false],
      ['api_key.rotated', 'api_key', owner.user.id, workspace, false],
      ['api_key.revoked', 'api_key', owner.user.id, workspace, false],
    ]);
    const memberships = await eventually(async () => {
      const events = await list('&action=membership.granted');
      return events.length === 1 ? events : undefined;
    }, 15_000, 'the membership record');
    expect(memberships[0]).toMatchObject({ resource_type: 'membership', resource_id: owner.user.id, owner_workspace_id: workspace });
  });
});
