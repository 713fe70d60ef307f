import { MEMORY_LIMITS, type ContextSpaceResource, type MemoryResource } from '@mnemo/contracts';
import { api, mintKey } from '@mnemo/testing';
import { bare, memoryWorkspace, remember, search, type MemoryWorkspace } from './helpers';

const SPACE_FIELDS = ['space_id', 'name', 'description', 'owner_tenant_id', 'allowed_agent_ids', 'allowed_tenant_ids', 'tags', 'created_at', 'memory_count'].sort();

async function createSpace(token: string, body: Record<string, unknown>): Promise<ContextSpaceResource> {
  const response = await api<ContextSpaceResource>('POST', '/v1/context-spaces', { token, body });
  if (response.status !== 201) throw new Error(`space creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

describe('context spaces (novyx)', () => {
  let ws: MemoryWorkspace;
  let admin: string;

  beforeEach(async () => {
    ws = await memoryWorkspace();
    admin = (await mintKey(ws.owner.token, ws.workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
  });

  it('creates a space with exactly novyx’s fields (201), gets and lists it with total_count', async () => {
    const created = await api<ContextSpaceResource>('POST', '/v1/context-spaces', {
      token: admin,
      body: { name: 'customer-support', description: 'Shared context for support agents', allowed_agent_ids: ['agent-1', 'agent-2'], tags: ['support', 'production'] },
    });
    expect(created.status).toBe(201);
    const space = created.body;
    expect(Object.keys(space).sort()).toEqual(SPACE_FIELDS);
    expect(space).toEqual({
      space_id: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/),
      name: 'customer-support',
      description: 'Shared context for support agents',
      owner_tenant_id: String(ws.workspaceId),
      allowed_agent_ids: ['agent-1', 'agent-2'],
      allowed_tenant_ids: [],
      tags: ['support', 'production'],
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      memory_count: 0,
    });
    const minimal = await createSpace(admin, { name: 'minimal' });
    expect(minimal).toMatchObject({ description: null, allowed_agent_ids: [], allowed_tenant_ids: [], tags: [] });
    for (const id of [space.space_id, bare(space.space_id)]) expect((await api('GET', `/v1/context-spaces/${id}`, { token: admin })).body).toEqual(space);
    const list = await api('GET', '/v1/context-spaces', { token: admin });
    expect(list.body).toEqual({ spaces: [space, minimal], total_count: 2 });
    expect((await api('GET', '/v1/context-spaces/urn:uuid:0190f0c4-8a5e-7cc2-a2b4-5f1e0c6d7e8f', { token: admin })).body.error.code).toBe('NOT_FOUND');
    expect((await api('GET', '/v1/context-spaces/not-an-id', { token: admin })).status).toBe(404);
  });

  it('checks every limit at n and n + 1, and refuses unknown fields', async () => {
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ name: 'n'.repeat(100) }, { name: 'n'.repeat(101) }],
      [{ name: 'd', description: 'd'.repeat(500) }, { name: 'd', description: 'd'.repeat(501) }],
      [{ name: 'a', allowed_agent_ids: Array.from({ length: 10 }, (_, i) => `agent-${i}`) }, { name: 'a', allowed_agent_ids: Array.from({ length: 11 }, (_, i) => `agent-${i}`) }],
      [{ name: 't', tags: Array.from({ length: 20 }, (_, i) => `t${i}`) }, { name: 't', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ];
    for (const [fits, over] of cases) {
      expect((await api('POST', '/v1/context-spaces', { token: admin, body: fits })).status).toBe(201);
      const refused = await api('POST', '/v1/context-spaces', { token: admin, body: over });
      expect([refused.status, refused.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    }
    for (const body of [{ name: '' }, {}, { name: 'x', owner_tenant_id: '1' }]) expect((await api('POST', '/v1/context-spaces', { token: admin, body })).status).toBe(400);
  });

  it('refuses sharing with other workspaces on a plan without it: 403 PLAN_UPGRADE_REQUIRED', async () => {
    const other = await memoryWorkspace();
    const refused = await api('POST', '/v1/context-spaces', { token: admin, body: { name: 'shared', allowed_tenant_ids: [String(other.workspaceId)] } });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'PLAN_UPGRADE_REQUIRED']);
    const space = await createSpace(admin, { name: 'private' });
    const update = await api('PUT', `/v1/context-spaces/${space.space_id}`, { token: admin, body: { allowed_tenant_ids: [String(other.workspaceId)] } });
    expect([update.status, update.body.error.code]).toEqual([403, 'PLAN_UPGRADE_REQUIRED']);
  });

  it('updates partially (PUT) and soft-deletes (204): the space answers 404 and leaves lists, its memories are kept', async () => {
    const space = await createSpace(admin, { name: 'customer-support', description: 'd', tags: ['a'] });
    const updated = await api<ContextSpaceResource>('PUT', `/v1/context-spaces/${space.space_id}`, {
      token: admin,
      body: { name: 'customer-support-v2', allowed_agent_ids: ['agent-1', 'agent-2', 'agent-3'] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ ...space, name: 'customer-support-v2', allowed_agent_ids: ['agent-1', 'agent-2', 'agent-3'] });
    expect((await api('PUT', `/v1/context-spaces/${space.space_id}`, { token: admin, body: { name: 'n'.repeat(101) } })).status).toBe(400);
    const memory = await remember(admin, { observation: 'kept after the space goes', space_id: space.space_id });
    expect(memory.space_id).toBe(space.space_id);
    expect((await api('DELETE', `/v1/context-spaces/${space.space_id}`, { token: admin })).status).toBe(204);
    expect((await api('GET', `/v1/context-spaces/${space.space_id}`, { token: admin })).status).toBe(404);
    expect((await api('PUT', `/v1/context-spaces/${space.space_id}`, { token: admin, body: { name: 'x' } })).status).toBe(404);
    expect((await api('DELETE', `/v1/context-spaces/${space.space_id}`, { token: admin })).status).toBe(404);
    expect((await api('GET', `/v1/context-spaces/${space.space_id}/memories`, { token: admin })).status).toBe(404);
    expect((await api('GET', '/v1/context-spaces', { token: admin })).body).toEqual({ spaces: [], total_count: 0 });
    expect((await api('GET', `/v1/memories/${memory.uuid}`, { token: admin })).status).toBe(200);
    expect((await api('POST', '/v1/memories', { token: admin, body: { observation: 'into a deleted space', space_id: space.space_id } })).status).toBe(404);
  });

  it('needs spaces:admin to create, update and delete; memory:read to read', async () => {
    const space = await createSpace(admin, { name: 'gated' });
    const member = ws.key; // memory:read + memory:write
    expect((await api('POST', '/v1/context-spaces', { token: member, body: { name: 'x' } })).status).toBe(403);
    expect((await api('PUT', `/v1/context-spaces/${space.space_id}`, { token: member, body: { name: 'x' } })).status).toBe(403);
    expect((await api('DELETE', `/v1/context-spaces/${space.space_id}`, { token: member })).status).toBe(403);
    expect((await api('GET', `/v1/context-spaces/${space.space_id}`, { token: member })).status).toBe(200);
  });

  describe('the agent gate inside the owner workspace', () => {
    let space: ContextSpaceResource;
    let agent1: string;
    let agent2: string;
    let inSpace: MemoryResource;

    beforeEach(async () => {
      space = await createSpace(admin, { name: 'agents-only', allowed_agent_ids: ['agent-1'] });
      agent1 = (await mintKey(ws.owner.token, ws.workspaceId, ['memory:read', 'memory:write'], { agent_id: 'agent-1' })).key;
      agent2 = (await mintKey(ws.owner.token, ws.workspaceId, ['memory:read', 'memory:write'], { agent_id: 'agent-2' })).key;
      inSpace = await remember(agent1, { observation: 'flamingo secret in the space', space_id: space.space_id });
      await remember(agent1, { observation: 'flamingo note outside any space' });
    });

    it('lets a listed agent and an unbound spaces:admin caller in', async () => {
      for (const token of [agent1, admin, ws.owner.token]) {
        const options = token === ws.owner.token ? { token, workspace: ws.workspaceId } : { token };
        expect((await api('GET', `/v1/context-spaces/${space.space_id}`, options)).status).toBe(200);
        expect((await api('GET', `/v1/memories/${inSpace.uuid}`, options)).status).toBe(200);
        expect((await api('POST', '/v1/memories/search', { ...options, body: { q: 'flamingo' } })).body.results).toHaveLength(2);
      }
      expect((await api('GET', '/v1/context-spaces', { token: agent1 })).body.total_count).toBe(1);
    });

    it('refuses an unlisted agent and an unbound caller without spaces:admin: FORBIDDEN on the space, its memories hidden everywhere', async () => {
      for (const token of [agent2, ws.key]) {
        const space403 = await api('GET', `/v1/context-spaces/${space.space_id}`, { token });
        expect([space403.status, space403.body.error.code]).toEqual([403, 'FORBIDDEN']);
        expect((await api('GET', `/v1/context-spaces/${space.space_id}/memories`, { token })).status).toBe(403);
        expect((await api('GET', '/v1/context-spaces', { token })).body).toEqual({ spaces: [], total_count: 0 });
        expect((await api('GET', `/v1/memories/${inSpace.uuid}`, { token })).status).toBe(404);
        expect((await api('GET', `/v1/memories?agent_id=agent-1`, { token })).body.memories).toHaveLength(1);
        const found = await search(token, { q: 'flamingo', agent_id: 'agent-1' });
        expect(found.body.results.map((r: { memory: MemoryResource }) => r.memory.observation)).toEqual(['flamingo note outside any space']);
        expect((await api('POST', '/v1/context', { token, body: { q: 'flamingo secret' } })).body.context).not.toContain('secret');
        // A space_id the caller cannot pass is 404 as a filter and as a write target.
        expect((await search(token, { q: 'flamingo', space_id: space.space_id })).status).toBe(404);
        expect((await api('GET', `/v1/memories?space_id=${space.space_id}`, { token })).status).toBe(404);
        expect((await api('POST', '/v1/memories', { token, body: { observation: 'sneaking in', space_id: space.space_id } })).status).toBe(404);
        expect((await api('PATCH', `/v1/memories/${inSpace.uuid}`, { token, body: { importance: 1 } })).status).toBe(404);
      }
    });

    it('counts the space’s memories in memory_count', async () => {
      expect((await api('GET', `/v1/context-spaces/${space.space_id}`, { token: admin })).body.memory_count).toBe(1);
    });
  });

  it('lists a space’s memories with q, tags, agent_id, limit and offset, total_count and the filters echo', async () => {
    const space = await createSpace(admin, { name: 'prefs' });
    const written: MemoryResource[] = [];
    for (let i = 0; i < 6; i++) {
      written.push(
        await remember(admin, {
          observation: i < 3 ? `User prefers dark mode, variant ${i}` : `Billing address note ${i}`,
          tags: i % 2 === 0 ? ['preferences', 'ui'] : ['billing'],
          agent_id: i < 4 ? 'agent-1' : 'agent-2',
          space_id: space.space_id,
        }),
      );
    }
    await remember(admin, { observation: 'User prefers dark mode outside the space' });
    const all = await api('GET', `/v1/context-spaces/${space.space_id}/memories`, { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.total_count).toBe(6);
    expect(all.body.filters).toEqual({ space_id: space.space_id, q: null, tags: null, agent_id: null });
    expect(all.body.memories.map((m: MemoryResource) => m.uuid)).toEqual([...written].reverse().map((m) => m.uuid));
    const searched = await api('GET', `/v1/context-spaces/${bare(space.space_id)}/memories?q=dark%20mode&tags=preferences&limit=10`, { token: admin });
    expect(searched.body.filters).toEqual({ space_id: space.space_id, q: 'dark mode', tags: 'preferences', agent_id: null });
    expect(searched.body.memories.map((m: MemoryResource) => m.uuid).sort()).toEqual([written[0].uuid, written[2].uuid].sort());
    expect(searched.body.total_count).toBe(2);
    const byAgent = await api('GET', `/v1/context-spaces/${space.space_id}/memories?agent_id=agent-2`, { token: admin });
    expect([byAgent.body.total_count, byAgent.body.filters.agent_id]).toEqual([2, 'agent-2']);
    const paged = await api('GET', `/v1/context-spaces/${space.space_id}/memories?limit=2&offset=2`, { token: admin });
    expect(paged.body.memories.map((m: MemoryResource) => m.uuid)).toEqual([written[3].uuid, written[2].uuid]);
    expect(paged.body.total_count).toBe(6);
    for (const query of ['limit=0', 'limit=1001', 'offset=-1', 'colour=blue']) {
      expect([query, (await api('GET', `/v1/context-spaces/${space.space_id}/memories?${query}`, { token: admin })).status]).toEqual([query, 400]);
    }
    expect((await api('GET', `/v1/context-spaces/${space.space_id}/memories?limit=1000`, { token: admin })).status).toBe(200);
  });

  it('answers a 1000-memory page of maximum-size memories, although no NATS message may exceed 1 MiB', async () => {
    const space = await createSpace(admin, { name: 'bulk' });
    const big = (i: number) => ({ observation: `${String(i).padStart(4, '0')} ${'m'.repeat(MEMORY_LIMITS.observationBytes - 5)}`, space_id: space.space_id });
    for (let start = 0; start < 1000; start += 50) {
      const response = await api('POST', '/v1/memories/batch', { token: admin, body: { memories: Array.from({ length: 50 }, (_, i) => big(start + i)) } });
      expect(response.status).toBe(201);
    }
    const page = await api('GET', `/v1/context-spaces/${space.space_id}/memories?limit=1000`, { token: admin });
    expect(page.status).toBe(200);
    expect(page.body.total_count).toBe(1000);
    expect(page.body.memories).toHaveLength(1000);
    expect(new Set(page.body.memories.map((m: MemoryResource) => m.uuid)).size).toBe(1000);
    expect(page.body.memories.every((m: MemoryResource) => Buffer.byteLength(m.observation!) === MEMORY_LIMITS.observationBytes)).toBe(true);
  }, 180_000);
});
