import { MEMORY_LIMITS, type MemoryResource } from '@mnemo/contracts';
import { api, eventually, mintKey } from '@mnemo/testing';
import { bare, memoryTable, memoryWorkspace, remember, type MemoryWorkspace } from './helpers';

const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('memories', () => {
  let ws: MemoryWorkspace;

  // A workspace per test: the free plan's 50-request burst is per workspace.
  beforeEach(async () => {
    ws = await memoryWorkspace();
  });

  it('creates an observation with every field of the Memory resource, readable by urn and by bare uuid', async () => {
    const created = await api<MemoryResource>('POST', '/v1/memories', {
      token: ws.key,
      body: { observation: 'User prefers dark mode and compact layouts', tags: ['preferences', 'ui'], importance: 8 },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const memory = created.body;
    expect(Object.keys(memory).sort()).toEqual(
      ['uuid', 'observation', 'title', 'body_md', 'path', 'tags', 'importance', 'confidence', 'recall_count', 'agent_id', 'space_id', 'expires_at', 'created_at', 'updated_at'].sort(),
    );
    expect(memory).toMatchObject({
      observation: 'User prefers dark mode and compact layouts',
      title: null,
      body_md: null,
      path: null,
      tags: ['preferences', 'ui'],
      importance: 8,
      confidence: 1,
      recall_count: 0,
      agent_id: null,
      space_id: null,
      expires_at: null,
    });
    expect(memory.uuid).toMatch(UUID_URN);
    expect(memory.created_at).toMatch(ISO_UTC);
    for (const id of [memory.uuid, bare(memory.uuid), memory.uuid.toUpperCase().replace('URN:UUID:', 'urn:uuid:')]) {
      const read = await api('GET', `/v1/memories/${encodeURIComponent(id)}`, { token: ws.key });
      expect([read.status, read.body]).toEqual([200, memory]);
    }
    for (const id of ['nope', 'urn:uuid:123', '00000000-0000-7000-8000-000000000000']) {
      const missing = await api('GET', `/v1/memories/${encodeURIComponent(id)}`, { token: ws.key });
      expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
    }
  });

  describe('limits, at n and n + 1', () => {
    const cases: [string, (n: number) => Record<string, unknown>, number][] = [
      ['observation (bytes)', (n) => ({ observation: 'x'.repeat(n) }), MEMORY_LIMITS.observationBytes],
      ['body_md (bytes)', (n) => ({ body_md: 'x'.repeat(n), path: `/limits/body-${n}` }), MEMORY_LIMITS.bodyMdBytes],
      ['title (characters)', (n) => ({ observation: `title ${n}`, title: 't'.repeat(n) }), MEMORY_LIMITS.titleChars],
      ['path (characters)', (n) => ({ observation: `path ${n}`, path: `/${'p'.repeat(n - 1)}` }), MEMORY_LIMITS.pathChars],
      ['tags (count)', (n) => ({ observation: `tags ${n}`, tags: Array.from({ length: n }, (_, i) => `tag-${i}`) }), MEMORY_LIMITS.maxTags],
      ['tag (characters)', (n) => ({ observation: `tag ${n}`, tags: ['g'.repeat(n)] }), MEMORY_LIMITS.tagChars],
      ['agent_id (characters)', (n) => ({ observation: `agent ${n}`, agent_id: 'a'.repeat(n) }), MEMORY_LIMITS.agentIdChars],
      ['importance (max)', (n) => ({ observation: `importance ${n}`, importance: n }), 10],
    ];

    it.each(cases)('%s', async (_name, body, n) => {
      const fits = await api('POST', '/v1/memories', { token: ws.key, body: body(n) });
      expect(fits.status).toBe(201);
      const over = await api('POST', '/v1/memories', { token: ws.key, body: body(n + 1) });
      expect([over.status, over.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    });

    it('importance 1–10 (default 5), confidence 0–1 (default 1.0), agent_id characters', async () => {
      const statusOf = async (body: Record<string, unknown>) => (await api('POST', '/v1/memories', { token: ws.key, body: { observation: `bounds ${JSON.stringify(body)}`, ...body } })).status;
      expect(await statusOf({ importance: 1 })).toBe(201);
      expect(await statusOf({ importance: 0 })).toBe(400);
      expect(await statusOf({ importance: 5.5 })).toBe(400);
      expect(await statusOf({ confidence: 0 })).toBe(201);
      expect(await statusOf({ confidence: 1 })).toBe(201);
      expect(await statusOf({ confidence: -0.01 })).toBe(400);
      expect(await statusOf({ confidence: 1.01 })).toBe(400);
      expect(await statusOf({ agent_id: 'ok.A-1:b_2' })).toBe(201);
      expect(await statusOf({ agent_id: 'not ok' })).toBe(400);
      const defaults = await remember(ws.key, { observation: 'defaults' });
      expect([defaults.importance, defaults.confidence]).toEqual([5, 1]);
    });

    it('refuses unknown fields, missing content and body_md without a path', async () => {
      for (const body of [{ observation: 'x', colour: 'blue' }, {}, { body_md: '# doc' }, { observation: 'a', body_md: 'b', path: '/x' }, { observation: 'x', path: '/a/../b' }]) {
        const response = await api('POST', '/v1/memories', { token: ws.key, body });
        expect([response.status, response.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
      }
    });
  });

  it('upserts the document at a path: same uuid, a new version, 200', async () => {
    const first = await api<MemoryResource>('POST', '/v1/memories', {
      token: ws.key,
      body: { path: '/Workspace/Decisions/ADR-001.md', body_md: '# ADR-001\nQueues: NATS', title: 'ADR-001: Queue selection' },
    });
    expect(first.status).toBe(201);
    expect(first.body.path).toBe('/workspace/decisions/adr-001.md');
    const second = await api<MemoryResource>('POST', '/v1/memories', {
      token: ws.key,
      body: { path: '/workspace/decisions/adr-001.md', body_md: '# ADR-001\nQueues: NATS JetStream', title: 'ADR-001: Queue selection' },
    });
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).toBe('"2"');
    expect(second.body).toMatchObject({ uuid: first.body.uuid, body_md: '# ADR-001\nQueues: NATS JetStream', created_at: first.body.created_at });
    expect(second.body.updated_at >= first.body.updated_at).toBe(true);
    const listed = await api('GET', '/v1/memories?path_prefix=/workspace/decisions', { token: ws.key });
    expect(listed.body.memories.map((m: MemoryResource) => m.uuid)).toEqual([first.body.uuid]);
  });

  it('serialises concurrent writes to one path: one document, one version per write', async () => {
    const writes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api<MemoryResource>('POST', '/v1/memories', { token: ws.key, body: { path: '/race/doc.md', body_md: `version ${i}` } })),
    );
    expect(writes.map((w) => w.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(writes.map((w) => w.body.uuid)).size).toBe(1);
    expect(writes.map((w) => w.headers.get('etag')).sort()).toEqual(['"1"', '"2"', '"3"', '"4"', '"5"', '"6"', '"7"', '"8"']);
  });

  it('deduplicates an observation without a path by content: 200 with the existing memory', async () => {
    const first = await api<MemoryResource>('POST', '/v1/memories', { token: ws.key, body: { observation: 'The deploy window is Tuesday' } });
    const again = await api<MemoryResource>('POST', '/v1/memories', { token: ws.key, body: { observation: 'The deploy window is Tuesday' } });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    // Another agent's identical observation is its own memory.
    const otherAgent = await api<MemoryResource>('POST', '/v1/memories', { token: ws.key, body: { observation: 'The deploy window is Tuesday', agent_id: 'agent-9' } });
    expect(otherAgent.status).toBe(201);
    // Concurrent identical writes store one memory.
    const racing = await Promise.all(Array.from({ length: 8 }, () => api<MemoryResource>('POST', '/v1/memories', { token: ws.key, body: { observation: 'raced observation' } })));
    expect(racing.map((r) => r.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    expect(new Set(racing.map((r) => r.body.uuid)).size).toBe(1);
    expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
  });

  describe('batch', () => {
    it('stores up to 1000 memories in one request, in order, with per-item outcomes', async () => {
      const own = await memoryWorkspace();
      const memories = Array.from({ length: MEMORY_LIMITS.batchItems }, (_, i) => ({ observation: `batch memory ${i}`, tags: ['batch'] }));
      memories[999] = { observation: 'batch memory 0', tags: ['batch'] };
      const response = await api('POST', '/v1/memories/batch', { token: own.key, body: { memories } });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ created: 999, updated: 0, deduplicated: 1 });
      expect(response.body.results[999]).toEqual({ index: 999, uuid: response.body.results[0].uuid, outcome: 'deduplicated' });
      const tooMany = await api('POST', '/v1/memories/batch', { token: own.key, body: { memories: [...memories, { observation: 'one more' }] } });
      expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    });

    it('is all or nothing: one bad item stores nothing, and the error names its index and problem', async () => {
      const own = await memoryWorkspace();
      const memories = [{ observation: 'fine 1' }, { observation: 'fine 2', importance: 11 }, { observation: 'fine 3' }, { body_md: '# no path' }];
      const response = await api('POST', '/v1/memories/batch', { token: own.key, body: { memories } });
      expect([response.status, response.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
      expect(response.body.error.details.items).toEqual([
        { index: 1, field: 'importance', problem: expect.any(String) },
        { index: 3, field: 'path', problem: expect.any(String) },
      ]);
      expect((await api('GET', '/v1/memories', { token: own.key })).body.memories).toEqual([]);
    });

    it('upserts paths within and across a batch', async () => {
      const own = await memoryWorkspace();
      const response = await api('POST', '/v1/memories/batch', {
        token: own.key,
        body: { memories: [{ path: '/docs/a.md', body_md: 'v1' }, { path: '/docs/a.md', body_md: 'v2' }, { observation: 'x' }] },
      });
      expect(response.body).toMatchObject({ created: 2, updated: 1, deduplicated: 0 });
      expect(response.body.results[1].uuid).toBe(response.body.results[0].uuid);
      expect((await api('GET', `/v1/memories/${bare(response.body.results[0].uuid)}`, { token: own.key })).body.body_md).toBe('v2');
    });
  });

  describe('patch and delete', () => {
    it('patches fields with ETag and If-Match; a stale If-Match is 409', async () => {
      const memory = await remember(ws.key, { observation: 'patch me', tags: ['a'] });
      const patched = await api<MemoryResource>('PATCH', `/v1/memories/${bare(memory.uuid)}`, {
        token: ws.key,
        headers: { 'if-match': '"1"' },
        body: { importance: 9, tags: ['a', 'b'], title: 'Patched', expires_at: null },
      });
      expect(patched.status).toBe(200);
      expect(patched.headers.get('etag')).toBe('"2"');
      expect(patched.body).toMatchObject({ uuid: memory.uuid, importance: 9, tags: ['a', 'b'], title: 'Patched', observation: 'patch me' });
      const stale = await api('PATCH', `/v1/memories/${bare(memory.uuid)}`, { token: ws.key, headers: { 'if-match': '"1"' }, body: { importance: 1 } });
      expect([stale.status, stale.body.error.code, stale.body.error.details.reason]).toEqual([409, 'CONFLICT', 'stale_etag']);
      const invalid = await api('PATCH', `/v1/memories/${bare(memory.uuid)}`, { token: ws.key, body: { importance: 11 } });
      expect(invalid.status).toBe(400);
      const unknown = await api('PATCH', `/v1/memories/${bare(memory.uuid)}`, { token: ws.key, body: { agent_id: 'x' } });
      expect(unknown.status).toBe(400);
    });

    it('refuses moving a memory to a path another memory holds', async () => {
      await remember(ws.key, { path: '/taken/doc.md', body_md: 'held' });
      const memory = await remember(ws.key, { observation: 'movable' });
      const moved = await api('PATCH', `/v1/memories/${bare(memory.uuid)}`, { token: ws.key, body: { path: '/taken/doc.md' } });
      expect([moved.status, moved.body.error.code]).toEqual([409, 'CONFLICT']);
      const free = await api('PATCH', `/v1/memories/${bare(memory.uuid)}`, { token: ws.key, body: { path: '/Free/Doc.md' } });
      expect([free.status, free.body.path]).toEqual([200, '/free/doc.md']);
    });

    it('replays a write with the same Idempotency-Key, and refuses the key with another body', async () => {
      const headers = { 'idempotency-key': `idem-${Date.now()}` };
      const first = await api('POST', '/v1/memories', { token: ws.key, headers, body: { observation: 'idempotent write' } });
      const replay = await api('POST', '/v1/memories', { token: ws.key, headers, body: { observation: 'idempotent write' } });
      expect([first.status, replay.status]).toEqual([201, 201]);
      expect(replay.body).toEqual(first.body);
      const other = await api('POST', '/v1/memories', { token: ws.key, headers, body: { observation: 'another body' } });
      expect([other.status, other.body.error.code]).toEqual([422, 'IDEMPOTENCY_MISMATCH']);
    });

    it('deletes: 204, then gone from get, list and search; a second delete is 404', async () => {
      const memory = await remember(ws.key, { observation: 'ephemeral zebra fact' });
      expect((await api('DELETE', `/v1/memories/${memory.uuid}`, { token: ws.key })).status).toBe(204);
      expect((await api('GET', `/v1/memories/${memory.uuid}`, { token: ws.key })).status).toBe(404);
      expect((await api('POST', '/v1/memories/search', { token: ws.key, body: { q: 'zebra' } })).body.results).toEqual([]);
      expect((await api('DELETE', `/v1/memories/${memory.uuid}`, { token: ws.key })).status).toBe(404);
      expect(await memoryTable('SELECT 1 FROM memory.memories WHERE id = $1', [bare(memory.uuid)])).toEqual([]);
    });
  });

  it('lists newest first with a keyset cursor, and applies every filter', async () => {
    const own = await memoryWorkspace();
    const written: MemoryResource[] = [];
    for (let i = 0; i < 5; i++) written.push(await remember(own.key, { observation: `listed ${i}`, tags: i % 2 ? ['odd'] : ['even'], agent_id: i < 2 ? 'agent-a' : 'agent-b' }));
    written.push(await remember(own.key, { path: '/workspace/teams/platform/x.md', body_md: 'doc', agent_id: 'agent-b' }));
    const ids = (page: { memories: MemoryResource[] }) => page.memories.map((m) => m.uuid);
    const newestFirst = [...written].reverse().map((m) => m.uuid);
    const first = await api('GET', '/v1/memories?limit=4', { token: own.key });
    expect(ids(first.body)).toEqual(newestFirst.slice(0, 4));
    const second = await api('GET', `/v1/memories?limit=4&cursor=${first.body.next_cursor}`, { token: own.key });
    expect([ids(second.body), second.body.next_cursor]).toEqual([newestFirst.slice(4), null]);
    expect(ids((await api('GET', '/v1/memories?agent_id=agent-a', { token: own.key })).body)).toEqual([written[1].uuid, written[0].uuid]);
    expect(ids((await api('GET', '/v1/memories?tags=odd', { token: own.key })).body)).toEqual([written[3].uuid, written[1].uuid]);
    expect(ids((await api('GET', '/v1/memories?path_prefix=/workspace/teams/', { token: own.key })).body)).toEqual([written[5].uuid]);
    expect(ids((await api('GET', '/v1/memories?path_prefix=/workspace/team', { token: own.key })).body)).toEqual([]);
    for (const query of ['limit=0', 'limit=101', 'cursor=garbage', 'colour=blue']) {
      const bad = await api('GET', `/v1/memories?${query}`, { token: own.key });
      expect([query, bad.status]).toEqual([query, 400]);
    }
    expect((await api('GET', '/v1/memories?limit=100', { token: own.key })).status).toBe(200);
    expect((await api('GET', '/v1/memories?space_id=urn:uuid:0190f0c4-8a5e-7cc2-a2b4-5f1e0c6d7e8f', { token: own.key })).status).toBe(404);
  });

  it('hides an expired memory from every read at once, and the sweeper purges it', async () => {
    const own = await memoryWorkspace();
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const memory = await remember(own.key, { observation: 'short lived quokka', expires_at: expiresAt, path: '/ttl/quokka.md' });
    expect(memory.expires_at).toBe(expiresAt);
    expect((await api('GET', `/v1/memories/${memory.uuid}`, { token: own.key })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));
    expect((await api('GET', `/v1/memories/${memory.uuid}`, { token: own.key })).status).toBe(404);
    expect((await api('GET', '/v1/memories', { token: own.key })).body.memories).toEqual([]);
    expect((await api('POST', '/v1/memories/search', { token: own.key, body: { q: 'quokka' } })).body.results).toEqual([]);
    expect((await api('POST', '/v1/context', { token: own.key, body: { q: 'quokka' } })).body.memories).toEqual([]);
    // The path is free again at once: a new document, with a new uuid.
    const successor = await api<MemoryResource>('POST', '/v1/memories', { token: own.key, body: { observation: 'successor quokka', path: '/ttl/quokka.md' } });
    expect(successor.status).toBe(201);
    expect(successor.body.uuid).not.toBe(memory.uuid);
    const gone = await remember(own.key, { observation: 'swept quokka', expires_at: new Date(Date.now() + 300).toISOString() });
    await eventually(async () => ((await memoryTable('SELECT 1 FROM memory.memories WHERE workspace_id = $1 AND id = $2', [own.workspaceId, bare(gone.uuid)])).length === 0 ? true : undefined), 10_000, 'the sweeper');
    const events = await memoryTable<{ type: string }>('SELECT type FROM memory.events WHERE stream_id = $1 ORDER BY stream_version', [`memory-${own.workspaceId}-${bare(gone.uuid)}`]);
    expect(events.map((e) => e.type)).toEqual(['memory.created', 'memory.expired']);
  });

  describe('agent-bound keys', () => {
    let bound: string;
    let owner: MemoryWorkspace;

    beforeAll(async () => {
      owner = await memoryWorkspace();
      bound = (await mintKey(owner.owner.token, owner.workspaceId, ['memory:read', 'memory:write'], { agent_id: 'agent-1' })).key;
    });

    it('writes under the bound agent, and cannot write under another agent id', async () => {
      expect((await remember(bound, { observation: 'bound write' })).agent_id).toBe('agent-1');
      expect((await remember(bound, { observation: 'bound write 2', agent_id: 'agent-1' })).agent_id).toBe('agent-1');
      const foreign = await api('POST', '/v1/memories', { token: bound, body: { observation: 'impostor', agent_id: 'agent-2' } });
      expect([foreign.status, foreign.body.error.code]).toEqual([403, 'FORBIDDEN']);
      const batch = await api('POST', '/v1/memories/batch', { token: bound, body: { memories: [{ observation: 'ok' }, { observation: 'impostor', agent_id: 'agent-2' }] } });
      expect([batch.status, batch.body.error.details.index]).toEqual([403, 1]);
      expect((await api('GET', '/v1/memories?agent_id=agent-2', { token: owner.key })).body.memories).toEqual([]);
    });

    it('cannot change or delete another agent’s memory, but reads it (agent_id is a filter, not a credential)', async () => {
      const others = await remember(owner.key, { observation: 'written by agent-2', agent_id: 'agent-2' });
      expect((await api('GET', `/v1/memories/${others.uuid}`, { token: bound })).status).toBe(200);
      expect((await api('PATCH', `/v1/memories/${others.uuid}`, { token: bound, body: { importance: 1 } })).status).toBe(403);
      expect((await api('DELETE', `/v1/memories/${others.uuid}`, { token: bound })).status).toBe(403);
      const doc = await remember(owner.key, { path: '/shared/doc.md', body_md: 'by a person' });
      const overwrite = await api('POST', '/v1/memories', { token: bound, body: { path: '/shared/doc.md', body_md: 'by agent-1' } });
      expect(overwrite.status).toBe(403);
      expect((await api('GET', `/v1/memories/${doc.uuid}`, { token: owner.key })).body.body_md).toBe('by a person');
      const mine = await remember(bound, { observation: 'agent-1 own' });
      expect((await api('PATCH', `/v1/memories/${mine.uuid}`, { token: bound, body: { importance: 2 } })).status).toBe(200);
    });

    it('deduplicates per agent: the same text from two agents is two memories', async () => {
      const a = await api('POST', '/v1/memories', { token: bound, body: { observation: 'same text, two agents' } });
      const b = await api('POST', '/v1/memories', { token: owner.key, body: { observation: 'same text, two agents' } });
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body.uuid).not.toBe(b.body.uuid);
    });
  });

  it('lets sessions choose the workspace with Mnemo-Workspace; a viewer reads but does not write', async () => {
    const session = await api('POST', '/v1/memories', { token: ws.owner.token, workspace: ws.workspaceId, body: { observation: 'written in a session' } });
    expect(session.status).toBe(201);
    const noHeader = await api('POST', '/v1/memories', { token: ws.owner.token, body: { observation: 'no header' } });
    expect([noHeader.status, noHeader.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const readOnly = (await mintKey(ws.owner.token, ws.workspaceId, ['memory:read'])).key;
    expect((await api('GET', `/v1/memories/${session.body.uuid}`, { token: readOnly })).status).toBe(200);
    expect((await api('POST', '/v1/memories', { token: readOnly, body: { observation: 'nope' } })).status).toBe(403);
  });
});
