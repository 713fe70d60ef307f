import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { ContextSpaceResource, ExportLine, MemoryResource } from '@mnemo/contracts';
import { api, eventually, mintKey, randomClientIp, testStack } from '@mnemo/testing';
import { as, createSpace, tenant, untilReadable, type Tenant } from './cross-tenant-fixtures';
import { memoryTable, memoryWorkspace } from './helpers';

const MIB = 1024 * 1024;

async function exportOf(token: string): Promise<{ status: number; contentType: string | null; lines: ExportLine[] }> {
  const response = await fetch(`${testStack().gatewayUrl}/v1/export`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': randomClientIp() } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`export failed: ${response.status} ${text}`);
  expect(text.endsWith('\n') || text === '').toBe(true);
  return { status: response.status, contentType: response.headers.get('content-type'), lines: text.split('\n').filter(Boolean).map((line) => JSON.parse(line)) };
}

async function importPage(token: string, body: string, options: { query?: string; contentType?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${testStack().gatewayUrl}/v1/import${options.query ?? ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': options.contentType ?? 'application/x-ndjson', 'x-forwarded-for': randomClientIp(), ...options.headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const ndjson = (lines: unknown[]) => lines.map((line) => `${JSON.stringify(line)}\n`).join('');
const urn = (id: string) => `urn:uuid:${id}`;
const lineId = (line: ExportLine) => (line.type === 'space' ? line.space.space_id : line.memory.uuid);

async function writesCounted(workspaceId: number): Promise<number> {
  const [row] = await memoryTable<{ writes: string | null }>('SELECT sum(writes)::text AS writes FROM memory.usage WHERE workspace_id = $1', [workspaceId]);
  return Number(row?.writes ?? 0);
}

/**
 * A page as another installation's export would hold it: a space shared with a workspace and a grantee's agent,
 * memories of every kind with their own ids, times and recall counts.
 */
function samplePage(grantee: number) {
  const spaceId = uuidv7();
  const space: ExportLine = {
    type: 'space',
    space: {
      space_id: urn(spaceId),
      name: 'research notes',
      description: 'what the agents found',
      owner_tenant_id: '999999',
      allowed_agent_ids: ['agent-1', `${grantee}:scout`],
      allowed_tenant_ids: [String(grantee)],
      tags: ['research'],
      created_at: '2025-03-01T10:00:00.000Z',
      memory_count: 1,
    },
  };
  const memory = (fields: Record<string, unknown>): ExportLine => ({
    type: 'memory',
    memory: {
      uuid: urn(uuidv7()),
      observation: null,
      title: null,
      body_md: null,
      path: null,
      tags: [],
      importance: 5,
      confidence: 1,
      recall_count: 0,
      agent_id: null,
      space_id: null,
      expires_at: null,
      created_at: '2025-03-02T08:00:00.000Z',
      updated_at: '2025-03-02T08:00:00.000Z',
      ...fields,
    } as never,
  });
  return [
    space,
    memory({ observation: 'the deploy key rotates on mondays', tags: ['ops', 'keys'], importance: 8, confidence: 0.75, recall_count: 3, agent_id: 'agent-1' }),
    memory({ title: 'Runbook', body_md: '# Runbook\nrestart the relay', path: '/workspace/teams/ops/runbook', updated_at: '2025-04-01T09:30:00.000Z' }),
    memory({ observation: 'found in the archive', space_id: urn(spaceId), expires_at: '2099-01-01T00:00:00.000Z' }),
  ];
}

/** What an import keeps: everything but the owner (the importing workspace) and, on a plan without sharing, the grants. */
function asImportedInto(lines: ExportLine[], workspaceId: number, grantee: number): ExportLine[] {
  return lines.map((line) =>
    line.type === 'space'
      ? { type: 'space', space: { ...line.space, owner_tenant_id: String(workspaceId), allowed_tenant_ids: [], allowed_agent_ids: line.space.allowed_agent_ids.filter((agent) => !agent.startsWith(`${grantee}:`)) } }
      : line,
  );
}

/**
 * Workspace A with what an export holds, written through the API: a space shared with workspace G (and one of
 * G's agents), an observation with tags, agent id, importance and confidence, a document at a path, a memory in
 * the space with an expiry; one recall counted.
 */
async function populatedWorkspace(): Promise<{ A: Tenant; G: Tenant; scout: string; admin: string; space: ContextSpaceResource; lines: ExportLine[] }> {
  const [A, G] = await Promise.all([tenant('pro'), tenant()]);
  const admin = (await mintKey(A.session, A.id, ['memory:read', 'memory:write', 'spaces:admin'])).key;
  // G's agent the space lets in (a grantee's unbound keys and sessions never pass a closed gate).
  const scout = (await mintKey(G.session, G.id, ['memory:read'], { agent_id: 'scout' })).key;
  const space = await createSpace(A, {
    name: 'research notes',
    description: 'what the agents found',
    allowed_tenant_ids: [String(G.id)],
    allowed_agent_ids: ['agent-1', `${G.id}:scout`],
    tags: ['research'],
  });
  const write = async (body: Record<string, unknown>) => {
    const response = await api<MemoryResource>('POST', '/v1/memories', { token: admin, body });
    expect(response.status).toBe(201);
    return response.body;
  };
  const recalled = await write({ observation: 'the deploy key rotates on mondays', tags: ['ops', 'keys'], importance: 8, confidence: 0.75, agent_id: 'agent-1' });
  await write({ title: 'Runbook', body_md: '# Runbook\nrestart the relay', path: '/workspace/teams/ops/runbook', tags: ['ops'] });
  await write({ observation: 'found in the archive', space_id: space.space_id, agent_id: 'agent-1', expires_at: '2099-01-01T00:00:00.000Z' });
  expect((await api('POST', '/v1/memories/search', { token: admin, body: { q: 'deploy key' } })).status).toBe(200);
  // The recall counter is written in batches: the export is taken once it shows the recall.
  const lines = await eventually(async () => {
    const { lines: exported } = await exportOf(admin);
    return exported.some((line) => line.type === 'memory' && line.memory.uuid === recalled.uuid && line.memory.recall_count === 1) ? exported : undefined;
  }, 15_000, 'the counted recall');
  expect(lines.map((line) => line.type)).toEqual(['space', 'memory', 'memory', 'memory']);
  return { A, G, scout, admin, space, lines };
}

/** Waits until the memory service knows a workspace's plan (its standings projection follows the workspaces stream). */
async function untilPlanKnown(workspaceId: number, plan: string): Promise<void> {
  await eventually(async () => {
    const [row] = await memoryTable<{ plan_name: string }>('SELECT plan_name FROM memory.workspace_standings WHERE workspace_id = $1', [workspaceId]);
    return row?.plan_name === plan ? true : undefined;
  }, 15_000, `the ${plan} plan in the standings`);
}

describe('export and import', () => {
  it('round-trips a workspace into a fresh one: the same export but for the owner and the grants, and a re-import writes nothing', async () => {
    const { A, G, scout, admin, space, lines: exportedA } = await populatedWorkspace();
    const B = await tenant();
    const bAdmin = (await mintKey(B.session, B.id, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    const body = ndjson(exportedA);

    // B holds none of these ids, although A (same installation) holds all of them: ids are unique per workspace.
    const idempotent = { query: '?keep_grants=true', headers: { 'idempotency-key': `round-trip-${B.id}` } };
    const imported = await importPage(bAdmin, body, idempotent);
    // B's free plan does not share: the grants go.
    expect(imported).toEqual({ status: 201, body: { imported: { spaces: 1, memories: 3 }, skipped: { spaces: 0, memories: 0 }, grants_dropped: true } });
    expect(await writesCounted(B.id)).toBe(3);
    // The same Idempotency-Key and page replays the first answer; another page under it is refused.
    expect(await importPage(bAdmin, body, idempotent)).toEqual(imported);
    expect((await importPage(bAdmin, ndjson(exportedA.slice(1)), idempotent)).body.error.code).toBe('IDEMPOTENCY_MISMATCH');

    const exportedB = await exportOf(bAdmin);
    expect(exportedB.contentType).toMatch(/^application\/x-ndjson/);
    expect(exportedB.lines).toEqual(asImportedInto(exportedA, B.id, G.id));

    // Again: nothing new, nothing counted, the export unchanged; B's own export is the same no-op.
    expect(await importPage(bAdmin, body)).toEqual({ status: 200, body: { imported: { spaces: 0, memories: 0 }, skipped: { spaces: 1, memories: 3 }, grants_dropped: false } });
    expect((await importPage(bAdmin, ndjson(exportedB.lines))).body).toEqual({ imported: { spaces: 0, memories: 0 }, skipped: { spaces: 1, memories: 3 }, grants_dropped: false });
    expect(await writesCounted(B.id)).toBe(3);
    expect((await exportOf(bAdmin)).lines).toEqual(exportedB.lines);
    // A is untouched, and its grantee still reads A's space.
    expect((await exportOf(admin)).lines).toEqual(exportedA);
    const granted = await untilReadable(() => api('GET', `/v1/context-spaces/${space.space_id}`, { token: scout }));
    expect(granted.body).toMatchObject({ space_id: space.space_id, owner_tenant_id: String(A.id) });

    // Imported memories behave like any other: found by search, readable by id with the original times.
    const found = await api('POST', '/v1/memories/search', { token: bAdmin, body: { q: 'deploy key' } });
    const recalled = (exportedA[1] as Extract<ExportLine, { type: 'memory' }>).memory;
    expect(found.body.results.map((r: { memory: { uuid: string } }) => r.memory.uuid)).toEqual([recalled.uuid]);
    // That recall counts for B's memory, not for A's of the same uuid.
    const recallsOf = async (token: string) => (await api<MemoryResource>('GET', `/v1/memories/${encodeURIComponent(recalled.uuid)}`, { token })).body.recall_count;
    await eventually(async () => ((await recallsOf(bAdmin)) === 2 ? true : undefined), 15_000, "B's recall counted");
    expect(await recallsOf(admin)).toBe(1);

    // One uuid, two memories: deleting B's leaves A's, and the deleted id stays B's (a re-import skips it).
    expect((await api('DELETE', `/v1/memories/${encodeURIComponent(recalled.uuid)}`, { token: bAdmin })).status).toBe(204);
    expect((await api('GET', `/v1/memories/${encodeURIComponent(recalled.uuid)}`, { token: bAdmin })).status).toBe(404);
    expect((await api<MemoryResource>('GET', `/v1/memories/${encodeURIComponent(recalled.uuid)}`, { token: admin })).body).toMatchObject({ uuid: recalled.uuid, observation: recalled.observation });
    expect((await importPage(bAdmin, body)).body.imported).toEqual({ spaces: 0, memories: 0 });
    expect((await exportOf(admin)).lines.slice(0, 2)).toEqual(exportedA.slice(0, 2));

    // An export holds what its caller may see: a key bound to an agent outside the space's gate gets neither
    // the space nor the memory in it.
    const outsider = (await mintKey(B.session, B.id, ['memory:read'], { agent_id: 'agent-2' })).key;
    expect((await exportOf(outsider)).lines).toEqual(exportedB.lines.filter((line) => line.type === 'memory' && line.memory.space_id === null && line.memory.uuid !== recalled.uuid));
  });

  it('keeps the grants on a plan that shares; a grantee of two owners of one space id reads the lower owner id', async () => {
    const { A, scout, space, lines: exportedA } = await populatedWorkspace();
    const C = await tenant('pro');
    await untilPlanKnown(C.id, 'pro');
    const cAdmin = (await mintKey(C.session, C.id, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    const imported = await importPage(cAdmin, ndjson(exportedA), { query: '?keep_grants=true' });
    expect(imported).toEqual({ status: 201, body: { imported: { spaces: 1, memories: 3 }, skipped: { spaces: 0, memories: 0 }, grants_dropped: false } });
    // Equal but for the owner.
    expect((await exportOf(cAdmin)).lines).toEqual(exportedA.map((line) => (line.type === 'space' ? { ...line, space: { ...line.space, owner_tenant_id: String(C.id) } } : line)));

    // G is granted the same space id by A and by C: both are listed, and the id answers the lower owner's.
    const read = () => api('GET', '/v1/context-spaces', { token: scout });
    const listed = await eventually(async () => {
      const response = await read();
      return response.body.total_count === 2 ? response : undefined;
    }, 15_000, 'both grants listed');
    expect(listed.body.spaces.map((s: ContextSpaceResource) => [s.space_id, s.owner_tenant_id]).sort()).toEqual([
      [space.space_id, String(A.id)],
      [space.space_id, String(C.id)],
    ].sort());
    const one = await untilReadable(() => api('GET', `/v1/context-spaces/${space.space_id}`, { token: scout }));
    expect(one.body.owner_tenant_id).toBe(String(Math.min(A.id, C.id)));
    // The owner's own space always wins: C reads its copy, A its own.
    expect((await as(C, 'session')('GET', `/v1/context-spaces/${space.space_id}`)).body.owner_tenant_id).toBe(String(C.id));
    expect((await as(A, 'session')('GET', `/v1/context-spaces/${space.space_id}`)).body.owner_tenant_id).toBe(String(A.id));
    // A change by C's owner changes C's copy only.
    expect((await as(C, 'session')('PUT', `/v1/context-spaces/${space.space_id}`, { name: 'C renamed it' })).status).toBe(200);
    expect((await as(A, 'session')('GET', `/v1/context-spaces/${space.space_id}`)).body.name).toBe('research notes');
    expect((await as(C, 'session')('GET', `/v1/context-spaces/${space.space_id}`)).body.name).toBe('C renamed it');
  });

  it('refuses a page with one bad line whole, naming the line; nothing of it is stored', async () => {
    const { key, workspaceId } = await memoryWorkspace();
    const page = samplePage(1).slice(1);
    const broken = page.map((line, index) => (index === 1 ? { ...line, memory: { ...(line as { memory: object }).memory, importance: 11 } } : line));
    const refused = await importPage(key, ndjson(broken));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { line: 2 } });
    expect(refused.body.error.message).toMatch(/^line 2: memory\.importance/);

    const notJson = await importPage(key, `${JSON.stringify(page[0])}\n{"type":"memory",\n`);
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { line: 2 } });

    // A uuid used twice in a page names the second line.
    const twice = await importPage(key, ndjson([page[0], page[0]]));
    expect(twice.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { line: 2 } });

    expect((await exportOf(key)).lines).toEqual([]);
    expect(await writesCounted(workspaceId)).toBe(0);
  });

  it('takes ids another workspace holds, and refuses a page whose document path is taken here or spaces without spaces:admin, naming the line', async () => {
    const page = samplePage(1);
    const source = await memoryWorkspace();
    const sourceAdmin = (await mintKey(source.owner.token, source.workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    expect((await importPage(sourceAdmin, ndjson(page))).status).toBe(201);

    const other = await memoryWorkspace();
    const mine = await api<MemoryResource>('POST', '/v1/memories', { token: other.key, body: { title: 'Mine', body_md: 'my runbook', path: '/workspace/teams/ops/runbook' } });
    expect(mine.status).toBe(201);
    const taken = await importPage(other.key, ndjson(page.slice(1, 3)));
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'CONFLICT', details: { line: 2, reason: 'path_taken' } });
    expect((await exportOf(other.key)).lines).toEqual([{ type: 'memory', memory: mine.body }]);

    // The uuid the source workspace holds is imported here all the same.
    expect(await importPage(other.key, ndjson(page.slice(1, 2)))).toMatchObject({ status: 201, body: { imported: { spaces: 0, memories: 1 } } });
    expect((await exportOf(other.key)).lines).toEqual([page[1], { type: 'memory' as const, memory: mine.body }].sort((a, b) => (lineId(a) < lineId(b) ? -1 : 1)));

    const forbidden = await importPage(other.key, ndjson(page.slice(0, 1)));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toMatchObject({ code: 'FORBIDDEN', details: { line: 1 } });
  });

  it('takes a page of exactly 1 MiB (in parts, one transaction) and answers 413 for one byte more', async () => {
    const { key, workspaceId } = await memoryWorkspace();
    // NDJSON lines may carry JSON whitespace: nine lines of about 113 KiB (under the 128 KiB line limit) make
    // the body exactly 1 MiB without making the memories large.
    const line = (padding: number) => `{"type":"memory",${' '.repeat(padding)}"memory":${JSON.stringify({ uuid: urn(uuidv7()), observation: `padded ${randomBytes(4).toString('hex')}`, created_at: '2025-05-05T05:05:05.000Z' })}}\n`;
    const build = (size: number) => {
      const lines = Array.from({ length: 8 }, () => line(115_000));
      const used = lines.join('').length;
      const last = line(0);
      lines.push(line(size - used - last.length));
      return lines.join('');
    };
    const tooLarge = build(MIB + 1);
    expect(Buffer.byteLength(tooLarge)).toBe(MIB + 1);
    const refused = await importPage(key, tooLarge);
    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await writesCounted(workspaceId)).toBe(0);

    const exact = build(MIB);
    expect(Buffer.byteLength(exact)).toBe(MIB);
    const imported = await importPage(key, exact);
    expect(imported.status).toBe(201);
    expect(imported.body.imported).toEqual({ spaces: 0, memories: 9 });
    expect(await writesCounted(workspaceId)).toBe(9);
    expect((await exportOf(key)).lines.map((l) => (l as { memory: { uuid: string } }).memory.uuid)).toEqual(
      exact.split('\n').filter(Boolean).map((l) => JSON.parse(l).memory.uuid),
    );
    // The staged parts are gone with the import.
    expect(await memoryTable('SELECT 1 FROM memory.import_parts WHERE workspace_id = $1', [workspaceId])).toEqual([]);
  });

  it('imports a page of maximum-size memories in one go, and exports them back across byte-bounded pages', async () => {
    const { key, workspaceId } = await memoryWorkspace();
    const text = (i: number) => `${i} ${'lorem ipsum '.repeat(1400)}`.slice(0, 16 * 1024);
    const page = Array.from({ length: 60 }, (_, i) => ({ type: 'memory', memory: { uuid: urn(uuidv7()), observation: text(i), created_at: '2025-06-06T06:06:06.000Z' } }));
    const body = ndjson(page);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MIB);
    const imported = await importPage(key, body);
    expect(imported.status).toBe(201);
    expect(imported.body.imported.memories).toBe(60);
    expect(await writesCounted(workspaceId)).toBe(60);
    // ~1 MiB of memories: more than one 640 KiB service page, one streamed body.
    const exported = await exportOf(key);
    expect(exported.lines.map((line) => (line as { memory: { uuid: string; observation: string } }).memory).map((m) => [m.uuid, m.observation])).toEqual(
      page.map((line) => [line.memory.uuid, line.memory.observation]),
    );
  });

  it('streams an export of more than one service page as one body, in creation order', async () => {
    const { key } = await memoryWorkspace();
    const batch = await api('POST', '/v1/memories/batch', { token: key, body: { memories: Array.from({ length: 1000 }, (_, i) => ({ observation: `bulk ${i}` })) } });
    expect(batch.status).toBe(201);
    const last = await api('POST', '/v1/memories', { token: key, body: { observation: 'the thousand and first' } });
    expect(last.status).toBe(201);
    const exported = await exportOf(key);
    const uuids = exported.lines.map((l) => (l as { memory: { uuid: string } }).memory.uuid);
    expect(uuids).toHaveLength(1001);
    expect(uuids).toEqual([...batch.body.results.map((r: { uuid: string }) => r.uuid), last.body.uuid]);
  });

  it('takes NDJSON only on /v1/import, and only NDJSON there', async () => {
    const { key } = await memoryWorkspace();
    const json = await importPage(key, JSON.stringify({ type: 'memory' }), { contentType: 'application/json' });
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const elsewhere = await fetch(`${testStack().gatewayUrl}/v1/memories`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson', 'x-forwarded-for': randomClientIp() },
      body: ndjson([{ observation: 'not here' }]),
    });
    expect(elsewhere.status).toBe(415);
    expect(((await elsewhere.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
