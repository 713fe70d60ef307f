import type { ContextSpaceResource, MemoryResource } from '@mnemo/contracts';
import { eventually, type ApiResponse } from '@mnemo/testing';
import { as, createSpace, operator, rememberIn, setPlan, tenant, untilReadable, type Tenant } from './cross-tenant-fixtures';

const SPACE_FIELDS = ['space_id', 'name', 'description', 'owner_tenant_id', 'allowed_agent_ids', 'allowed_tenant_ids', 'tags', 'created_at', 'memory_count'].sort();
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
type Credential = 'session' | 'unbound' | 'agent1' | 'agent2';
const CREDENTIALS: Credential[] = ['session', 'unbound', 'agent1', 'agent2'];

function expectRefused(response: ApiResponse, status: number, code: string): void {
  expect([response.status, response.body?.error?.code, Object.keys(response.body ?? {})]).toEqual([status, code, ['error']]);
}

/**
 * The tenant boundary of DESIGN.md through `/v1/context-spaces…`: three workspaces — A owns spaces (on pro, so
 * its grants are active), B is granted some of them, C is a stranger — each calling with its owner's session
 * (unbound, spaces:admin), an unbound key, a key bound to agent-1 (listed where a space lists agents) and a key
 * bound to agent-2 (listed nowhere: a foreign-bound key).
 */
describe('context spaces across tenants', () => {
  let A: Tenant;
  let B: Tenant;
  let C: Tenant;
  const spaces: Record<'open' | 'agents' | 'ownerAgentOnly' | 'private', ContextSpaceResource> = {} as never;
  const memories: Record<keyof typeof spaces, MemoryResource[]> = { open: [], agents: [], ownerAgentOnly: [], private: [] };
  let loose: MemoryResource;

  beforeAll(async () => {
    [A, B, C] = await Promise.all([tenant('pro'), tenant(), tenant()]);
    spaces.open = await createSpace(A, { name: 'open to B', allowed_tenant_ids: [String(B.id)] });
    spaces.agents = await createSpace(A, { name: 'agent-1 of A and of B', allowed_tenant_ids: [String(B.id)], allowed_agent_ids: ['agent-1', `${B.id}:agent-1`] });
    // `agent-1` alone names the owner's agent: B's agent-1 is `<B>:agent-1` and is not listed.
    spaces.ownerAgentOnly = await createSpace(A, { name: 'agent-1 of A only', allowed_tenant_ids: [String(B.id)], allowed_agent_ids: ['agent-1'] });
    spaces.private = await createSpace(A, { name: 'not shared' });
    for (const name of Object.keys(spaces) as (keyof typeof spaces)[]) {
      for (const n of [1, 2]) memories[name].push(await rememberIn(A, spaces[name].space_id, `xtenant pelican ${name} ${n}`));
    }
    loose = await rememberIn(A, null, 'xtenant pelican outside any space');
    await rememberIn(B, null, 'B keeps its own pelican');
    await untilReadable(() => as(B, 'unbound')('GET', `/v1/context-spaces/${spaces.open.space_id}/memories`));
  });

  it('reproduces novyx shapes for a grantee: get, list with total_count, space memories with the filters echo', async () => {
    // The owner's create answer (novyx "Create Space"), with a grant.
    expect(Object.keys(spaces.agents).sort()).toEqual(SPACE_FIELDS);
    expect(spaces.agents).toMatchObject({
      space_id: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/),
      owner_tenant_id: String(A.id),
      allowed_agent_ids: ['agent-1', `${B.id}:agent-1`],
      allowed_tenant_ids: [String(B.id)],
      created_at: expect.stringMatching(ISO),
      memory_count: 0,
    });
    const get = await as(B, 'agent1')('GET', `/v1/context-spaces/${spaces.agents.space_id}`);
    expect(get.status).toBe(200);
    expect(Object.keys(get.body).sort()).toEqual(SPACE_FIELDS);
    expect(get.body).toEqual({
      space_id: spaces.agents.space_id,
      name: 'agent-1 of A and of B',
      description: null,
      owner_tenant_id: String(A.id),
      // Non-owners see only themselves and no agent ids.
      allowed_agent_ids: [],
      allowed_tenant_ids: [String(B.id)],
      tags: [],
      created_at: expect.stringMatching(ISO),
      memory_count: 2,
    });
    // The owner still sees every setting.
    const own = await as(A, 'session')('GET', `/v1/context-spaces/${spaces.agents.space_id}`);
    expect(own.body).toMatchObject({ allowed_agent_ids: ['agent-1', `${B.id}:agent-1`], allowed_tenant_ids: [String(B.id)] });

    const list = await as(B, 'agent1')('GET', '/v1/context-spaces');
    expect(list.status).toBe(200);
    expect(Object.keys(list.body).sort()).toEqual(['spaces', 'total_count']);
    expect(list.body.spaces.map((s: ContextSpaceResource) => s.space_id).sort()).toEqual([spaces.open.space_id, spaces.agents.space_id].sort());
    expect(list.body.total_count).toBe(2);
    for (const space of list.body.spaces) expect(space).toMatchObject({ allowed_agent_ids: [], allowed_tenant_ids: [String(B.id)], memory_count: 2 });
    // An unbound key of B passes only the open space's gate; C sees none of A's spaces.
    expect((await as(B, 'unbound')('GET', '/v1/context-spaces')).body.spaces.map((s: ContextSpaceResource) => s.space_id)).toEqual([spaces.open.space_id]);
    expect((await as(C, 'session')('GET', '/v1/context-spaces')).body).toEqual({ spaces: [], total_count: 0 });

    const page = await as(B, 'agent1')('GET', `/v1/context-spaces/${spaces.agents.space_id}/memories`);
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      memories: expect.any(Array),
      total_count: 2,
      filters: { space_id: spaces.agents.space_id, q: null, tags: null, agent_id: null },
    });
    expect(page.body.memories[0]).toMatchObject({ uuid: expect.stringMatching(/^urn:uuid:/), observation: expect.any(String), tags: ['xt'], importance: 5, confidence: 1, recall_count: expect.any(Number), created_at: expect.stringMatching(ISO) });
    const searched = await as(B, 'agent1')('GET', `/v1/context-spaces/${spaces.agents.space_id}/memories?q=pelican%20agents&tags=xt&limit=1`);
    expect(searched.status).toBe(200);
    expect(searched.body.filters).toEqual({ space_id: spaces.agents.space_id, q: 'pelican agents', tags: 'xt', agent_id: null });
    expect([searched.body.memories.length, searched.body.total_count]).toEqual([1, 2]);
  });

  it('serves exactly the right memories to each allowed pair and the right refusal, and nothing else, to every other', async () => {
    type Expect = 'ok' | 'FORBIDDEN' | 'NOT_FOUND';
    const table: Record<keyof typeof spaces, (t: 'A' | 'B' | 'C', c: Credential) => Expect> = {
      open: (t) => (t === 'C' ? 'NOT_FOUND' : 'ok'),
      agents: (t, c) => (t === 'C' ? 'NOT_FOUND' : (t === 'A' && (c === 'session' || c === 'agent1')) || (t === 'B' && c === 'agent1') ? 'ok' : 'FORBIDDEN'),
      ownerAgentOnly: (t, c) => (t === 'C' ? 'NOT_FOUND' : t === 'A' && (c === 'session' || c === 'agent1') ? 'ok' : 'FORBIDDEN'),
      private: (t) => (t === 'A' ? 'ok' : 'NOT_FOUND'),
    };
    const tenants = { A, B, C };
    const outcomes: string[] = [];
    const wanted: string[] = [];
    for (const name of Object.keys(spaces) as (keyof typeof spaces)[]) {
      for (const t of ['A', 'B', 'C'] as const) {
        for (const c of CREDENTIALS) {
          const expected = table[name](t, c);
          const call = as(tenants[t], c);
          const space = await call('GET', `/v1/context-spaces/${spaces[name].space_id}`);
          const page = await call('GET', `/v1/context-spaces/${spaces[name].space_id}/memories`);
          wanted.push(`${name} ${t}.${c}: ${expected}`);
          if (expected === 'ok') {
            const seen = page.status === 200 ? page.body.memories.map((m: MemoryResource) => m.uuid).sort().join(',') : `status ${page.status}`;
            const right = memories[name].map((m) => m.uuid).sort().join(',');
            outcomes.push(`${name} ${t}.${c}: ${space.status === 200 && space.body.space_id === spaces[name].space_id && seen === right ? 'ok' : `space ${space.status}, memories ${seen}`}`);
          } else {
            const status = expected === 'FORBIDDEN' ? 403 : 404;
            const refusedRight = [space, page].every((r) => r.status === status && r.body.error?.code === expected && Object.keys(r.body).join() === 'error');
            outcomes.push(`${name} ${t}.${c}: ${refusedRight ? expected : `space ${space.status} ${JSON.stringify(space.body)}, memories ${page.status}`}`);
          }
        }
      }
    }
    expect(outcomes).toEqual(wanted);
  });

  it('never lets /v1/memories, search or context cross the boundary; grantees read, only the owner writes', async () => {
    const b = as(B, 'agent1');
    const own = await b('GET', '/v1/memories?limit=100');
    expect(own.status).toBe(200);
    expect(own.body.memories.map((m: MemoryResource) => m.observation)).toEqual(['B keeps its own pelican']);
    expectRefused(await b('GET', `/v1/memories?space_id=${encodeURIComponent(spaces.open.space_id)}`), 404, 'NOT_FOUND');
    for (const memory of [loose, memories.open[0]]) {
      expectRefused(await b('GET', `/v1/memories/${encodeURIComponent(memory.uuid)}`), 404, 'NOT_FOUND');
      expectRefused(await b('PATCH', `/v1/memories/${encodeURIComponent(memory.uuid)}`, { importance: 1 }), 404, 'NOT_FOUND');
      expectRefused(await b('DELETE', `/v1/memories/${encodeURIComponent(memory.uuid)}`), 404, 'NOT_FOUND');
    }
    const search = await b('POST', '/v1/memories/search', { q: 'xtenant pelican' });
    expect(search.status).toBe(200);
    // Only B's own pelican: none of A's memories, in a space or not.
    expect(search.body.results.map((r: { memory: MemoryResource }) => r.memory.observation)).toEqual(['B keeps its own pelican']);
    expectRefused(await b('POST', '/v1/memories/search', { q: 'pelican', space_id: spaces.open.space_id }), 404, 'NOT_FOUND');
    const context = await b('POST', '/v1/context', { q: 'xtenant pelican' });
    expect(context.status).toBe(200);
    expect(context.body.memories.map((m: { title: string | null; uuid: string }) => m.uuid)).toEqual(own.body.memories.map((m: MemoryResource) => m.uuid));
    expect(context.body.context).not.toContain('xtenant');
    expectRefused(await b('POST', '/v1/context', { q: 'pelican', space_id: spaces.open.space_id }), 404, 'NOT_FOUND');
    // Writing into a granted space is the owner's alone.
    expectRefused(await b('POST', '/v1/memories', { observation: 'B sneaks in', space_id: spaces.open.space_id }), 404, 'NOT_FOUND');
    const session = as(B, 'session');
    expectRefused(await session('PUT', `/v1/context-spaces/${spaces.open.space_id}`, { name: 'taken over' }), 403, 'OWNER_ONLY');
    expectRefused(await session('DELETE', `/v1/context-spaces/${spaces.open.space_id}`), 403, 'OWNER_ONLY');
    expectRefused(await as(C, 'session')('PUT', `/v1/context-spaces/${spaces.open.space_id}`, { name: 'taken over' }), 404, 'NOT_FOUND');
    expectRefused(await as(C, 'session')('DELETE', `/v1/context-spaces/${spaces.open.space_id}`), 404, 'NOT_FOUND');
    const after = await as(A, 'session')('GET', `/v1/context-spaces/${spaces.open.space_id}`);
    expect([after.status, after.body.name, after.body.memory_count]).toEqual([200, 'open to B', 2]);
  });

  it("charges the reader's workspace the retrieve units of a grantee's reads, never the owner's", async () => {
    const [P, Q] = await Promise.all([tenant('pro'), tenant()]);
    const space = await createSpace(P, { name: 'who pays', allowed_tenant_ids: [String(Q.id)] });
    const read = () => as(Q, 'unbound')('GET', `/v1/context-spaces/${space.space_id}/memories`);
    await untilReadable(read);
    for (let i = 0; i < 2; i++) expect((await read()).status).toBe(200);
    const retrieves = async (t: Tenant) => (await as(t, 'session')('GET', '/v1/status')).body.usage?.retrieves;
    await eventually(async () => ((await retrieves(Q)) === 3 ? true : undefined), 15_000, "the reader's three retrieves");
    expect(await retrieves(P)).toBe(0);
  });

  it('refuses grantees while the owner is suspended or without sharing, and resumes the grants after', async () => {
    const [D, E] = await Promise.all([tenant('pro'), tenant()]);
    const space = await createSpace(D, { name: 'lifecycle', allowed_tenant_ids: [String(E.id)] });
    await rememberIn(D, space.space_id, 'lifecycle memory');
    const read = () => as(E, 'unbound')('GET', `/v1/context-spaces/${space.space_id}/memories`);
    await untilReadable(read);
    const refusedWith = (reason: string) =>
      eventually(async () => {
        const response = await read();
        return response.status === 403 && response.body.error.details?.reason === reason ? response : undefined;
      }, 15_000, `a refusal with ${reason}`);

    expect((await operator('POST', `/admin/workspaces/${D.id}/suspend`, { reason: 'cross-tenant test' })).status).toBe(200);
    expectRefused(await refusedWith('owner_suspended'), 403, 'FORBIDDEN');
    expectRefused(await as(E, 'unbound')('GET', `/v1/context-spaces/${space.space_id}`), 403, 'FORBIDDEN');
    expect((await as(E, 'unbound')('GET', '/v1/context-spaces')).body.total_count).toBe(0);
    expect((await operator('POST', `/admin/workspaces/${D.id}/reinstate`, { reason: 'cross-tenant test' })).status).toBe(200);
    expect((await untilReadable(read)).body.total_count).toBe(1);

    await setPlan(D.id, 'free');
    expectRefused(await refusedWith('sharing_not_in_plan'), 403, 'FORBIDDEN');
    await setPlan(D.id, 'team');
    expect((await untilReadable(read)).body.memories.map((m: MemoryResource) => m.observation)).toEqual(['lifecycle memory']);

    // Every refusal landed in the owner's chain.
    const refused = await as(D, 'session')('GET', `/v1/audit-events?resource_id=${encodeURIComponent(space.space_id)}&outcome=refused`);
    expect(refused.status).toBe(200);
    expect(refused.body.audit_events.length).toBeGreaterThanOrEqual(1);
    expect(refused.body.audit_events.every((e: { actor_workspace_id: number; cross_tenant: boolean }) => e.actor_workspace_id === E.id && e.cross_tenant)).toBe(true);
  });
});
