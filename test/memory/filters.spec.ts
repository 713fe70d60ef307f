import type { ContextSpaceResource, MemoryResource } from '@mnemo/contracts';
import { api, mintKey } from '@mnemo/testing';
import { memoryWorkspace, remember, search, type MemoryWorkspace } from './helpers';

const sorted = (uuids: string[]) => [...uuids].sort();
const resultUuids = (body: { results: { memory: MemoryResource }[] }) => sorted(body.results.map((result) => result.memory.uuid));

describe('filters are applied exactly, through HTTP', () => {
  let ws: MemoryWorkspace;
  let admin: string;

  beforeEach(async () => {
    ws = await memoryWorkspace();
    admin = (await mintKey(ws.owner.token, ws.workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
  });

  async function createSpace(name: string): Promise<ContextSpaceResource> {
    const response = await api<ContextSpaceResource>('POST', '/v1/context-spaces', { token: admin, body: { name } });
    expect(response.status).toBe(201);
    return response.body;
  }

  it('space memories: tags=a,b means any of them (a memory with only b is in, one with neither is out)', async () => {
    const space = await createSpace('tagged');
    const inSpace = (tags: string[], label: string) => remember(admin, { observation: `tagged ${label}`, tags, space_id: space.space_id });
    const onlyA = await inSpace(['a'], 'only a');
    const onlyB = await inSpace(['b'], 'only b');
    const both = await inSpace(['a', 'b', 'c'], 'both');
    await inSpace(['c'], 'neither');
    await inSpace([], 'untagged');
    await remember(admin, { observation: 'tagged b outside the space', tags: ['b'] });
    const any = await api('GET', `/v1/context-spaces/${space.space_id}/memories?tags=a,b`, { token: admin });
    expect(any.status).toBe(200);
    expect(sorted(any.body.memories.map((m: MemoryResource) => m.uuid))).toEqual(sorted([onlyA.uuid, onlyB.uuid, both.uuid]));
    expect([any.body.total_count, any.body.filters.tags]).toEqual([3, 'a,b']);
    const onlyBTag = await api('GET', `/v1/context-spaces/${space.space_id}/memories?tags=b`, { token: admin });
    expect(sorted(onlyBTag.body.memories.map((m: MemoryResource) => m.uuid))).toEqual(sorted([onlyB.uuid, both.uuid]));
    // With q, the tags still mean any.
    const searched = await api('GET', `/v1/context-spaces/${space.space_id}/memories?q=tagged&tags=a,b`, { token: admin });
    expect(sorted(searched.body.memories.map((m: MemoryResource) => m.uuid))).toEqual(sorted([onlyA.uuid, onlyB.uuid, both.uuid]));
    expect(searched.body.total_count).toBe(3);
    const none = await api('GET', `/v1/context-spaces/${space.space_id}/memories?tags=zzz`, { token: admin });
    expect([none.body.memories, none.body.total_count]).toEqual([[], 0]);
  });

  it('space memories: agent_id of 64 characters of [A-Za-z0-9._:-] is a filter; 65 characters or another character → 400', async () => {
    const space = await createSpace('agents');
    const longAgent = 'a'.repeat(64);
    const mine = await remember(admin, { observation: 'by the long agent', agent_id: longAgent, space_id: space.space_id });
    await remember(admin, { observation: 'by another agent', agent_id: 'other', space_id: space.space_id });
    const fits = await api('GET', `/v1/context-spaces/${space.space_id}/memories?agent_id=${longAgent}`, { token: admin });
    expect(fits.status).toBe(200);
    expect(fits.body.memories.map((m: MemoryResource) => m.uuid)).toEqual([mine.uuid]);
    for (const agent of ['a'.repeat(65), 'bad agent', 'bad/agent', 'agent-é', 'agent*']) {
      const refused = await api('GET', `/v1/context-spaces/${space.space_id}/memories?agent_id=${encodeURIComponent(agent)}`, { token: admin });
      expect([agent, refused.status, refused.body.error.code]).toEqual([agent, 400, 'VALIDATION_ERROR']);
    }
  });

  it('search and context with a space_id return exactly that space’s memories', async () => {
    const [first, second] = [await createSpace('first'), await createSpace('second')];
    const inFirst = [
      await remember(admin, { observation: 'heron nesting in the first space', space_id: first.space_id }),
      await remember(admin, { path: '/notes/heron.md', body_md: 'heron document in the first space', space_id: first.space_id }),
    ];
    const inSecond = [await remember(admin, { observation: 'heron nesting in the second space', space_id: second.space_id })];
    const outside = [await remember(admin, { observation: 'heron nesting outside any space' })];
    const everything = [...inFirst, ...inSecond, ...outside].map((m) => m.uuid);
    expect(resultUuids((await search(admin, { q: 'heron' })).body)).toEqual(sorted(everything));
    for (const [space, expected] of [
      [first, inFirst],
      [second, inSecond],
    ] as const) {
      for (const id of [space.space_id, space.space_id.replace('urn:uuid:', '')]) {
        const searched = await search(admin, { q: 'heron', space_id: id });
        expect(searched.status).toBe(200);
        expect(resultUuids(searched.body)).toEqual(sorted(expected.map((m) => m.uuid)));
        expect(searched.body.results.every((result: { memory: MemoryResource }) => result.memory.space_id === space.space_id)).toBe(true);
        const context = await api('POST', '/v1/context', { token: admin, body: { q: 'heron', space_id: id } });
        expect(context.status).toBe(200);
        expect(sorted(context.body.memories.map((m: { uuid: string }) => m.uuid))).toEqual(sorted(expected.map((m) => m.uuid)));
      }
    }
    // Combined with another filter, both apply.
    expect(resultUuids((await search(admin, { q: 'heron', space_id: first.space_id, path_prefix: '/notes' })).body)).toEqual([inFirst[1].uuid]);
    const context = await api('POST', '/v1/context', { token: admin, body: { q: 'heron', space_id: first.space_id, path_prefix: '/notes' } });
    expect(context.body.memories.map((m: { uuid: string }) => m.uuid)).toEqual([inFirst[1].uuid]);
    expect(context.body.context).not.toContain('second space');
  });

  it('search tags.all needs every tag, tags.any one of them, both together both', async () => {
    const tagged = async (tags: string[]) => (await remember(admin, { observation: `kestrel ${tags.join(' ') || 'untagged'}`, tags })).uuid;
    const x = await tagged(['x']);
    const y = await tagged(['y']);
    const xy = await tagged(['x', 'y']);
    const xyz = await tagged(['x', 'y', 'z']);
    const z = await tagged(['z']);
    await tagged([]);
    const found = async (tags: Record<string, string[]>) => {
      const response = await search(admin, { q: 'kestrel', tags, limit: 100 });
      expect(response.status).toBe(200);
      return resultUuids(response.body);
    };
    expect(await found({ any: ['x', 'y'] })).toEqual(sorted([x, y, xy, xyz]));
    expect(await found({ all: ['x', 'y'] })).toEqual(sorted([xy, xyz]));
    expect(await found({ all: ['x', 'y', 'z'] })).toEqual([xyz]);
    expect(await found({ all: ['x', 'w'] })).toEqual([]);
    expect(await found({ any: ['w'] })).toEqual([]);
    expect(await found({ any: ['z'], all: ['x'] })).toEqual([xyz]);
    expect(await found({ any: ['y', 'z'], all: ['x'] })).toEqual(sorted([xy, xyz]));
    expect(await found({ all: ['z'] })).toEqual(sorted([xyz, z]));
    for (const tags of [{ none: ['x'] }, { all: 'x' }, { any: [''] }, { any: ['t'.repeat(51)] }] as unknown[]) {
      const refused = await search(admin, { q: 'kestrel', tags });
      expect([tags, refused.status, refused.body.error.code]).toEqual([tags, 400, 'VALIDATION_ERROR']);
    }
  });

  it('search created_after / created_before are exclusive bounds, exact to the millisecond', async () => {
    const first = await remember(admin, { observation: 'lynx first' });
    const middle = await remember(admin, { observation: 'lynx middle' });
    const last = await remember(admin, { observation: 'lynx last' });
    const at = (memory: MemoryResource, deltaMs: number) => new Date(Date.parse(memory.created_at) + deltaMs).toISOString();
    const found = async (filters: Record<string, string>) => {
      const response = await search(admin, { q: 'lynx', ...filters });
      expect(response.status).toBe(200);
      return resultUuids(response.body);
    };
    // The three were written one after another: distinct times.
    expect(Date.parse(first.created_at)).toBeLessThan(Date.parse(middle.created_at));
    expect(Date.parse(middle.created_at)).toBeLessThan(Date.parse(last.created_at));
    expect(await found({ created_after: middle.created_at })).toEqual([last.uuid]);
    expect(await found({ created_after: at(middle, -1) })).toEqual(sorted([middle.uuid, last.uuid]));
    expect(await found({ created_before: middle.created_at })).toEqual([first.uuid]);
    expect(await found({ created_before: at(middle, 1) })).toEqual(sorted([first.uuid, middle.uuid]));
    expect(await found({ created_after: at(middle, -1), created_before: at(middle, 1) })).toEqual([middle.uuid]);
    expect(await found({ created_after: middle.created_at, created_before: at(middle, 1) })).toEqual([]);
    expect(await found({ created_after: at(last, 0), created_before: at(first, 0) })).toEqual([]);
    // Another offset naming the same instant is the same bound.
    const inPlusTwo = (iso: string) => {
      const date = new Date(Date.parse(iso) + 2 * 3600_000);
      return `${date.toISOString().slice(0, 23)}+02:00`;
    };
    expect(await found({ created_after: inPlusTwo(middle.created_at) })).toEqual([last.uuid]);
    for (const bad of ['yesterday', '2026-13-45T00:00:00Z', '']) {
      const refused = await search(admin, { q: 'lynx', created_after: bad });
      expect([bad, refused.status, refused.body.error.code]).toEqual([bad, 400, 'VALIDATION_ERROR']);
    }
  });
});

describe('bad filters and times are refused, never ignored', () => {
  let ws: MemoryWorkspace;

  beforeAll(async () => {
    ws = await memoryWorkspace(['memory:read', 'memory:write', 'spaces:admin']);
  });

  it('GET /v1/memories: a malformed agent_id or 21 tags → 400, a valid one filters', async () => {
    const mine = await remember(ws.key, { observation: 'listed by agent', agent_id: 'lister' });
    const bad = await api('GET', '/v1/memories?agent_id=bad%20agent', { token: ws.key });
    expect([bad.status, (bad.body as { error: { code: string } }).error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const tooMany = Array.from({ length: 21 }, (_, i) => `t${i}`).join(',');
    expect((await api('GET', `/v1/memories?tags=${tooMany}`, { token: ws.key })).status).toBe(400);
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i}`).join(',');
    expect((await api('GET', `/v1/memories?tags=${twenty}`, { token: ws.key })).status).toBe(200);
    const good = await api<{ memories: MemoryResource[] }>('GET', '/v1/memories?agent_id=lister', { token: ws.key });
    expect(good.body.memories.map((memory) => memory.uuid)).toEqual([mine.uuid]);
  });

  it('space memories: a tag of 50 emoji (50 characters) filters; 51 → 400', async () => {
    const space = await api<ContextSpaceResource>('POST', '/v1/context-spaces', { token: ws.key, body: { name: 'emoji tags' } });
    const tag = '🦊'.repeat(50);
    const tagged = await remember(ws.key, { observation: 'a fox tagged memory', tags: [tag], space_id: space.body.space_id });
    const found = await api<{ memories: MemoryResource[] }>('GET', `/v1/context-spaces/${space.body.space_id}/memories?tags=${encodeURIComponent(tag)}`, { token: ws.key });
    expect(found.status).toBe(200);
    expect(found.body.memories.map((memory) => memory.uuid)).toEqual([tagged.uuid]);
    const over = await api('GET', `/v1/context-spaces/${space.body.space_id}/memories?tags=${encodeURIComponent(tag + '🦊')}`, { token: ws.key });
    expect(over.status).toBe(400);
  });

  it('a time without a zone is refused (it would mean another instant on a server in another zone); with Z or an offset it is taken', async () => {
    const zoneless = await search(ws.key, { q: 'fox', created_after: '2026-01-01T00:00:00' });
    expect(zoneless.status).toBe(400);
    expect((await search(ws.key, { q: 'fox', created_after: '2026-01-01T00:00:00Z' })).status).toBe(200);
    expect((await search(ws.key, { q: 'fox', created_after: '2026-01-01T00:00:00.123+02:00' })).status).toBe(200);
    const write = await api('POST', '/v1/memories', { token: ws.key, body: { observation: 'zoneless expiry', expires_at: '2099-01-01T00:00:00' } });
    expect(write.status).toBe(400);
    expect((await api('POST', '/v1/memories', { token: ws.key, body: { observation: 'zoned expiry', expires_at: '2099-01-01T00:00:00Z' } })).status).toBe(201);
  });
});
