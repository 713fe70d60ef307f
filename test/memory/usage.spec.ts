import type { Subscription } from '@nats-io/transport-node';
import {
  LIFECYCLE_RPC,
  MEMORY_RPC,
  WORKSPACES_RPC,
  type GetWorkspaceStandingReply,
  periodUnitCap,
  planLimits,
  type EventEnvelope,
  type MemoryCaller,
  type RpcReply,
  type UsageRecorded,
  type WriteMemoriesReply,
  type WriteMemoryReply,
} from '@mnemo/contracts';
import { api, connectTestRpc, eventually, mintKey, testStack, type TestRpc } from '@mnemo/testing';
import { memoryTable, memoryWorkspace, type MemoryWorkspace } from './helpers';
import { memoryCount, observations, ownerCaller, usageOf } from './usage-helpers';

const WRITE_CAP = periodUnitCap(planLimits('free'), 'writes');
const RETRIEVE_CAP = periodUnitCap(planLimits('free'), 'retrieves');
const BATCH = 1000;

jest.setTimeout(180_000);

describe('usage gate', () => {
  let rpc: TestRpc;

  beforeAll(async () => {
    // Large batches on a loaded machine: a generous reply timeout.
    rpc = await connectTestRpc(60_000);
  });

  afterAll(async () => {
    await rpc.close();
  });

  const writeBatch = (caller: MemoryCaller, memories: unknown[]) => rpc.call<WriteMemoriesReply>('memory', MEMORY_RPC.writeMemories, { caller, memories });
  const writeOne = (caller: MemoryCaller, memory: unknown) => rpc.call<WriteMemoryReply>('memory', MEMORY_RPC.writeMemory, { caller, memory });

  describe('at the free plan write cap', () => {
    let ws: MemoryWorkspace;
    let caller: MemoryCaller;

    beforeAll(async () => {
      ws = await memoryWorkspace();
      caller = ownerCaller(ws);
      // Fill to cap − 10 with batches of 1000 (all or nothing each).
      for (let filled = 0; filled < WRITE_CAP - 10; filled += BATCH) {
        const size = Math.min(BATCH, WRITE_CAP - 10 - filled);
        const reply = await writeBatch(caller, observations('fill', size, filled));
        if (!reply.ok) throw new Error(`fill batch failed: ${JSON.stringify(reply.error)}`);
        expect(reply.data.created).toBe(size);
      }
    });

    it('counted every stored memory: usage = memories = cap − 10', async () => {
      expect((await usageOf(ws.workspaceId)).writes).toBe(WRITE_CAP - 10);
      expect(await memoryCount(ws.workspaceId)).toBe(WRITE_CAP - 10);
    });

    it('refuses a batch that would cross the cap whole (n + 1 = 11 over 10 left), writing nothing', async () => {
      const refused = await writeBatch(caller, observations('crossing', 11));
      expect(refused).toMatchObject({ ok: false, error: { code: 'LIMIT_REACHED', details: { unit: 'writes', limit: WRITE_CAP, requested: 11 } } });
      expect((await usageOf(ws.workspaceId)).writes).toBe(WRITE_CAP - 10);
      expect(await memoryCount(ws.workspaceId)).toBe(WRITE_CAP - 10);
      expect(await memoryTable("SELECT 1 FROM memory.memories WHERE workspace_id = $1 AND observation LIKE 'crossing%'", [ws.workspaceId])).toEqual([]);
    });

    it('a deduplicated write is free', async () => {
      const again = await writeOne(caller, { observation: 'fill note 0' });
      expect(again).toMatchObject({ ok: true, data: { outcome: 'deduplicated' } });
      const batch = await writeBatch(caller, [{ observation: 'fill note 1' }, { observation: 'fill note 2' }]);
      expect(batch).toMatchObject({ ok: true, data: { created: 0, deduplicated: 2 } });
      expect((await usageOf(ws.workspaceId)).writes).toBe(WRITE_CAP - 10);
    });

    it('64 concurrent writers: exactly the 10 units left succeed, the rest 429 LIMIT_REACHED; no overshoot', async () => {
      const replies = await Promise.all(Array.from({ length: 64 }, (_, i) => writeOne(caller, { observation: `racer ${i}` })));
      const succeeded = replies.filter((reply) => reply.ok);
      const refused = replies.filter((reply): reply is Extract<RpcReply<WriteMemoryReply>, { ok: false }> => !reply.ok);
      expect(succeeded).toHaveLength(10);
      expect(refused).toHaveLength(54);
      for (const reply of refused) {
        expect(reply.error.code).toBe('LIMIT_REACHED');
        expect(reply.error.details?.retry_after_seconds).toEqual(expect.any(Number));
        expect(reply.error.details!.retry_after_seconds as number).toBeGreaterThan(0);
      }
      expect((await usageOf(ws.workspaceId)).writes).toBe(WRITE_CAP);
      expect(await memoryCount(ws.workspaceId)).toBe(WRITE_CAP);
    });

    it('over the cap the gateway answers 429 LIMIT_REACHED with Retry-After at the period end', async () => {
      const response = await api('POST', '/v1/memories', { token: ws.key, body: { observation: 'one too many' } });
      expect([response.status, response.body.error.code]).toEqual([429, 'LIMIT_REACHED']);
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter > 0).toBe(true);
      // At most one usage period (31 days) away, and consistent with the period end the refusal names.
      expect(retryAfter).toBeLessThanOrEqual(31 * 24 * 3600);
      const periodEnd = Date.parse(response.body.error.details.period_end);
      expect(Math.abs(periodEnd - Date.now() - retryAfter * 1000)).toBeLessThan(60_000);
      expect(await memoryCount(ws.workspaceId)).toBe(WRITE_CAP);
    });

    it('the facts reach the workspaces ledger, which flips the workspace to limit_reached: then every memory call is 429, and a suspension takes precedence', async () => {
      const refusedRead = await eventually(async () => {
        const response = await api('GET', '/v1/memories', { token: ws.key });
        return response.status === 429 ? response : undefined;
      }, 20_000, 'limit_reached from the workspaces service');
      expect(refusedRead.body.error).toMatchObject({ code: 'LIMIT_REACHED', details: { reason: 'limit_reached' } });
      expect(Number(refusedRead.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await rpc.succeed<GetWorkspaceStandingReply>('workspaces', WORKSPACES_RPC.getWorkspaceStanding, { workspace_id: ws.workspaceId })).status).toBe('limit_reached');
      await rpc.succeed('workspaces', LIFECYCLE_RPC.suspendWorkspace, { workspace_id: ws.workspaceId, reason: 'precedence test' });
      const suspended = await eventually(async () => {
        const response = await api('POST', '/v1/memories/search', { token: ws.key, body: { q: 'fill' } });
        return response.status === 403 ? response : undefined;
      }, 10_000, 'suspended over limit_reached');
      expect(suspended.body.error.code).toBe('WORKSPACE_SUSPENDED');
      await rpc.succeed('workspaces', LIFECYCLE_RPC.reinstateWorkspace, { workspace_id: ws.workspaceId, reason: 'precedence test over' });
      await eventually(async () => ((await api('GET', '/v1/memories', { token: ws.key })).status === 429 ? true : undefined), 10_000, 'limit_reached again');
    });
  });

  describe('what counts', () => {
    it('a new memory, a path upsert and a patch are one write each; a duplicate and a delete are free', async () => {
      const ws = await memoryWorkspace();
      const write = (body: Record<string, unknown>) => api('POST', '/v1/memories', { token: ws.key, body });
      expect((await write({ observation: 'counted once' })).status).toBe(201);
      expect((await usageOf(ws.workspaceId)).writes).toBe(1);
      expect((await write({ observation: 'counted once' })).status).toBe(200);
      expect((await usageOf(ws.workspaceId)).writes).toBe(1);
      const doc = await write({ path: '/docs/readme', body_md: 'v1' });
      expect(doc.status).toBe(201);
      expect((await usageOf(ws.workspaceId)).writes).toBe(2);
      expect((await write({ path: '/docs/readme', body_md: 'v2' })).status).toBe(200);
      expect((await usageOf(ws.workspaceId)).writes).toBe(3);
      const patched = await api('PATCH', `/v1/memories/${encodeURIComponent(doc.body.uuid)}`, { token: ws.key, body: { tags: ['x'] } });
      expect(patched.status).toBe(200);
      expect((await usageOf(ws.workspaceId)).writes).toBe(4);
      expect((await api('DELETE', `/v1/memories/${encodeURIComponent(doc.body.uuid)}`, { token: ws.key })).status).toBe(204);
      // A refused write (validation) costs nothing either.
      expect((await write({ observation: '' })).status).toBe(400);
      expect((await usageOf(ws.workspaceId)).writes).toBe(4);
    });

    it('one retrieve per search, context or space-memories call, paid by the reader; lists and reads are free', async () => {
      const ws = await memoryWorkspace(['memory:read', 'memory:write', 'spaces:admin']);
      await api('POST', '/v1/memories', { token: ws.key, body: { observation: 'retrieval counting works' } });
      const space = await api('POST', '/v1/context-spaces', { token: ws.key, body: { name: 'counting' } });
      expect(space.status).toBe(201);
      const retrieves = async () => (await usageOf(ws.workspaceId)).retrieves;
      expect(await retrieves()).toBe(0);
      expect((await api('POST', '/v1/memories/search', { token: ws.key, body: { q: 'retrieval' } })).status).toBe(200);
      expect(await retrieves()).toBe(1);
      expect((await api('POST', '/v1/context', { token: ws.key, body: { q: 'retrieval' } })).status).toBe(200);
      expect(await retrieves()).toBe(2);
      expect((await api('GET', `/v1/context-spaces/${space.body.space_id}/memories`, { token: ws.key })).status).toBe(200);
      expect(await retrieves()).toBe(3);
      for (const path of ['/v1/memories', '/v1/teams', '/v1/context-spaces', `/v1/context-spaces/${space.body.space_id}`]) {
        expect((await api('GET', path, { token: ws.key })).status).toBe(200);
      }
      // Refused before it ran: not charged.
      expect((await api('POST', '/v1/memories/search', { token: ws.key, body: { q: 'retrieval', nope: 1 } })).status).toBe(400);
      expect(await retrieves()).toBe(3);
      // Another workspace's reads are its own.
      const reader = await memoryWorkspace();
      expect((await api('POST', '/v1/memories/search', { token: reader.key, body: { q: 'retrieval' } })).status).toBe(200);
      expect(await retrieves()).toBe(3);
      expect((await usageOf(reader.workspaceId)).retrieves).toBe(1);
    });

    it('a search or space page the gateway fetches in several parts (over 1 MiB) is still one retrieve', async () => {
      const ws = await memoryWorkspace(['memory:read', 'memory:write', 'spaces:admin']);
      const space = await api<{ space_id: string }>('POST', '/v1/context-spaces', { token: ws.key, body: { name: 'large pages' } });
      expect(space.status).toBe(201);
      // 80 memories of ~16 KiB: ~1.3 MiB, more than the memory service puts in one answer (640 KiB).
      const filler = 'x'.repeat(16 * 1024 - 40);
      const memories = Array.from({ length: 80 }, (_, i) => ({ observation: `bulky recall ${i} ${filler}`, space_id: space.body.space_id }));
      for (const half of [memories.slice(0, 40), memories.slice(40)]) {
        expect((await api('POST', '/v1/memories/batch', { token: ws.key, body: { memories: half } })).status).toBe(201);
      }
      const search = await api<{ results: unknown[] }>('POST', '/v1/memories/search', { token: ws.key, body: { q: 'bulky', limit: 80 } });
      expect(search.status).toBe(200);
      expect(search.body.results).toHaveLength(80);
      expect((await usageOf(ws.workspaceId)).retrieves).toBe(1);
      const page = await api<{ memories: unknown[] }>('GET', `/v1/context-spaces/${space.body.space_id}/memories?limit=80`, { token: ws.key });
      expect(page.status).toBe(200);
      expect(page.body.memories).toHaveLength(80);
      expect((await usageOf(ws.workspaceId)).retrieves).toBe(2);
    });

    it("a grantee's read of another workspace's space is paid by the grantee, not the owner", async () => {
      const owner = await memoryWorkspace(['memory:read', 'memory:write', 'spaces:admin']);
      const grantee = await memoryWorkspace();
      // Sharing needs a plan with it: an operator's plan override needs no payment.
      await rpc.succeed('workspaces', LIFECYCLE_RPC.overridePlan, { workspace_id: owner.workspaceId, plan_name: 'pro', reason: 'sharing for a usage test' });
      const space = await api('POST', '/v1/context-spaces', { token: owner.key, body: { name: 'shared', allowed_tenant_ids: [String(grantee.workspaceId)] } });
      expect(space.status).toBe(201);
      await api('POST', '/v1/memories', { token: owner.key, body: { observation: 'shared knowledge', space_id: space.body.space_id } });
      const read = await eventually(async () => {
        const response = await api('GET', `/v1/context-spaces/${space.body.space_id}/memories`, { token: grantee.key });
        return response.status === 200 ? response : undefined;
      }, 20_000, "the grantee's read once the owner's plan is known");
      expect(read.body.memories).toHaveLength(1);
      // Refused attempts while the owner's plan was still on its way cost nothing: exactly the one read.
      const granteeRetrieves = (await usageOf(grantee.workspaceId)).retrieves;
      expect(granteeRetrieves).toBe(1);
      expect((await usageOf(owner.workspaceId)).retrieves).toBe(0);
      expect((await api('GET', `/v1/context-spaces/${space.body.space_id}/memories`, { token: grantee.key })).status).toBe(200);
      expect((await usageOf(grantee.workspaceId)).retrieves).toBe(granteeRetrieves + 1);
      expect((await usageOf(owner.workspaceId)).retrieves).toBe(0);
    });

    it('retrieves stop at the cap: at n the call passes, at n + 1 it is 429 LIMIT_REACHED', async () => {
      const ws = await memoryWorkspace();
      expect((await api('POST', '/v1/memories/search', { token: ws.key, body: { q: 'anything' } })).status).toBe(200);
      // 50,000 searches are not a test: the gate's own counter is set to cap − 2 (the memory service's table).
      await memoryTable('UPDATE memory.usage SET retrieves = $2 WHERE workspace_id = $1', [ws.workspaceId, RETRIEVE_CAP - 2]);
      expect((await api('POST', '/v1/context', { token: ws.key, body: { q: 'anything' } })).status).toBe(200);
      expect((await api('POST', '/v1/memories/search', { token: ws.key, body: { q: 'anything' } })).status).toBe(200);
      expect((await usageOf(ws.workspaceId)).retrieves).toBe(RETRIEVE_CAP);
      const over = await api('POST', '/v1/memories/search', { token: ws.key, body: { q: 'anything' } });
      expect([over.status, over.body.error.code, over.body.error.details.unit]).toEqual([429, 'LIMIT_REACHED', 'retrieves']);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await usageOf(ws.workspaceId)).retrieves).toBe(RETRIEVE_CAP);
      // Writes are a separate unit: still allowed.
      expect((await api('POST', '/v1/memories', { token: ws.key, body: { observation: 'still writable' } })).status).toBe(201);
    });
  });

  it('a refusal by the gate is not the Idempotency-Key\'s answer: the same request succeeds once the cap allows it', async () => {
    const ws = await memoryWorkspace();
    expect((await api('POST', '/v1/memories', { token: ws.key, body: { observation: 'first of the period' } })).status).toBe(201);
    // The gate's own counter at the cap (10,000 writes are the test above's job); the ledger does not know, so
    // the workspace stays active and only the gate refuses.
    await memoryTable('UPDATE memory.usage SET writes = $2 WHERE workspace_id = $1', [ws.workspaceId, WRITE_CAP]);
    const request = { token: ws.key, headers: { 'idempotency-key': `usage-${ws.workspaceId}` }, body: { observation: 'after the upgrade' } };
    const refused = await api('POST', '/v1/memories', request);
    expect([refused.status, refused.body.error.code, refused.body.error.details.unit]).toEqual([429, 'LIMIT_REACHED', 'writes']);
    expect(await memoryCount(ws.workspaceId)).toBe(1);
    await rpc.succeed('workspaces', LIFECYCLE_RPC.overridePlan, { workspace_id: ws.workspaceId, plan_name: 'pro', reason: 'more writes' });
    const stored = await eventually(async () => {
      const response = await api('POST', '/v1/memories', request);
      return response.status === 201 ? response : undefined;
    }, 20_000, 'the write once the pro plan reached the memory service');
    expect(stored.body.observation).toBe('after the upgrade');
    expect((await usageOf(ws.workspaceId)).writes).toBe(WRITE_CAP + 1);
    // Now the key's answer is the success, replayed.
    const replay = await api('POST', '/v1/memories', request);
    expect([replay.status, replay.body.uuid]).toEqual([201, stored.body.uuid]);
    expect(await memoryCount(ws.workspaceId)).toBe(2);
  });

  describe('usage.recorded facts', () => {
    let subscription: Subscription;
    const facts: EventEnvelope<string, UsageRecorded>[] = [];

    beforeAll(() => {
      subscription = rpc.nc.subscribe(`${testStack().natsPrefix}.memory.usage.recorded`);
      void (async () => {
        for await (const message of subscription) facts.push(message.json());
      })();
    });

    afterAll(() => subscription.unsubscribe());

    it('are published on NATS with the units each transaction took, summing to the usage row', async () => {
      const ws = await memoryWorkspace();
      const key = await mintKey(ws.owner.token, ws.workspaceId, ['memory:read', 'memory:write']);
      const batch = await api('POST', '/v1/memories/batch', { token: key.key, body: { memories: [...observations('fact', 4), { observation: 'fact note 0' }] } });
      expect([batch.status, batch.body.created, batch.body.deduplicated]).toEqual([201, 4, 1]);
      expect((await api('POST', '/v1/memories', { token: key.key, body: { observation: 'fact note 0' } })).status).toBe(200);
      expect((await api('POST', '/v1/memories', { token: key.key, body: { observation: 'fact five' } })).status).toBe(201);
      expect((await api('POST', '/v1/memories/search', { token: key.key, body: { q: 'fact' } })).status).toBe(200);
      const usage = await usageOf(ws.workspaceId);
      expect([usage.writes, usage.retrieves]).toEqual([5, 1]);
      const mine = await eventually(async () => {
        const found = facts.filter((fact) => fact.data.workspace_id === ws.workspaceId);
        return found.length >= 3 ? found : undefined;
      }, 20_000, 'three usage facts');
      await new Promise((resolve) => setImmediate(resolve));
      expect(mine.map((fact) => [fact.data.unit, fact.data.quantity])).toEqual([
        ['writes', 4],
        ['writes', 1],
        ['retrieves', 1],
      ]);
      for (const fact of mine) {
        expect(fact).toMatchObject({ type: 'usage.recorded', workspaceId: String(ws.workspaceId), data: { period_start: usage.period_start } });
        expect(fact.actor).toMatch(/^key:/);
      }
      expect(new Set(mine.map((fact) => fact.id)).size).toBe(3);
    });
  });
});
