import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { ExportLine } from '@mnemo/contracts';
import { api, mintKey, randomClientIp, signUp, testStack } from '@mnemo/testing';
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

describe('export and import', () => {
  it('imports a page with its ids and times, exports it back equal but for the owner and the dropped grants, and re-imports nothing', async () => {
    const grantee = (await signUp()).workspace.workspace_id;
    const { owner, workspaceId } = await memoryWorkspace();
    const key = (await mintKey(owner.token, workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    const page = samplePage(grantee);

    const idempotent = { query: '?keep_grants=true', headers: { 'idempotency-key': `import-${workspaceId}` } };
    const imported = await importPage(key, ndjson(page), idempotent);
    expect(imported).toEqual({ status: 201, body: { imported: { spaces: 1, memories: 3 }, skipped: { spaces: 0, memories: 0 }, grants_dropped: true } });
    expect(await writesCounted(workspaceId)).toBe(3);
    // The same Idempotency-Key and page replays the first answer; another page under it is refused.
    expect(await importPage(key, ndjson(page), idempotent)).toEqual(imported);
    expect((await importPage(key, ndjson(page.slice(1)), idempotent)).body.error.code).toBe('IDEMPOTENCY_MISMATCH');

    const exported = await exportOf(key);
    expect(exported.contentType).toMatch(/^application\/x-ndjson/);
    expect(exported.lines).toEqual(asImportedInto(page, workspaceId, grantee));

    // The same page again: nothing new, nothing counted; the export is unchanged.
    const again = await importPage(key, ndjson(page));
    expect(again).toEqual({ status: 200, body: { imported: { spaces: 0, memories: 0 }, skipped: { spaces: 1, memories: 3 }, grants_dropped: false } });
    expect(await writesCounted(workspaceId)).toBe(3);
    expect((await exportOf(key)).lines).toEqual(exported.lines);
    // Importing its own export is the same no-op.
    expect((await importPage(key, ndjson(exported.lines))).body.imported).toEqual({ spaces: 0, memories: 0 });

    // An export holds what its caller may see: a key bound to an agent outside the space's gate gets neither
    // the space nor the memory in it.
    const outsider = (await mintKey(owner.token, workspaceId, ['memory:read'], { agent_id: 'agent-2' })).key;
    expect((await exportOf(outsider)).lines).toEqual(exported.lines.filter((line) => line.type === 'memory' && line.memory.space_id === null));

    // Imported memories behave like any other: found by search, readable by id with the original times.
    const found = await api('POST', '/v1/memories/search', { token: key, body: { q: 'deploy key' } });
    expect(found.body.results.map((r: { memory: { uuid: string } }) => r.memory.uuid)).toEqual([(page[1] as { memory: { uuid: string } }).memory.uuid]);
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

  it('refuses ids another workspace holds (ids are global here) and spaces without spaces:admin, naming the line', async () => {
    const source = await memoryWorkspace();
    const sourceAdmin = (await mintKey(source.owner.token, source.workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    expect((await importPage(sourceAdmin, ndjson(samplePage(1)))).status).toBe(201);
    const exported = (await exportOf(sourceAdmin)).lines;

    const other = await memoryWorkspace();
    const otherAdmin = (await mintKey(other.owner.token, other.workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    const fresh = samplePage(1).slice(1, 2);
    const taken = await importPage(otherAdmin, ndjson([...fresh, exported[2]]));
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'CONFLICT', details: { line: 2, reason: 'id_taken' } });
    expect((await exportOf(otherAdmin)).lines).toEqual([]);

    const spaceOnly = samplePage(1).slice(0, 1);
    const forbidden = await importPage(other.key, ndjson(spaceOnly));
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
