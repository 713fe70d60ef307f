import { randomBytes } from 'node:crypto';
import { API_KEY_PREFIX, MAX_NATS_PAYLOAD_BYTES, MEMORY_LIMITS, SPACE_LIMITS, type ContextSpaceResource } from '@mnemo/contracts';
import { api, mintKey, randomClientIp, signUp, testStack, type ApiResponse } from '@mnemo/testing';
import { setPlan } from './cross-tenant-fixtures';
import { memoryWorkspace, type MemoryWorkspace } from './helpers';

const MIB = 1024 * 1024;

function expectValidationError(response: ApiResponse, what: string): void {
  expect([what, response.status, response.body?.error?.code]).toEqual([what, 400, 'VALIDATION_ERROR']);
}

/** A space owner with a spaces:admin key. */
async function spaceAdmin(): Promise<MemoryWorkspace & { admin: string }> {
  const ws = await memoryWorkspace();
  const admin = (await mintKey(ws.owner.token, ws.workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
  return { ...ws, admin };
}

async function createSpace(token: string, body: Record<string, unknown>): Promise<ContextSpaceResource> {
  const response = await api<ContextSpaceResource>('POST', '/v1/context-spaces', { token, body });
  if (response.status !== 201) throw new Error(`space creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Sends a raw body, counted in bytes exactly as written (the api helper would re-serialise it). */
async function postRaw(path: string, token: string, body: string): Promise<ApiResponse> {
  const response = await fetch(`${testStack().gatewayUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-for': randomClientIp() },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/**
 * A `POST /v1/memories/batch` body of exactly `bytes` bytes made of real memories: observations of 16,000 bytes
 * (each unique, so none is deduplicated), the last one sized to land on the exact length.
 */
function batchBodyOfExactly(bytes: number, label: string): { body: string; count: number } {
  const item = (observation: string) => JSON.stringify({ observation });
  const full = (i: number) => item(`${label} ${String(i).padStart(4, '0')} ${'o'.repeat(16_000 - label.length - 6)}`);
  const wrap = (items: string[]) => `{"memories":[${items.join(',')}]}`;
  const items: string[] = [];
  // Fill with full items while a last item of at least a few bytes still fits.
  while (Buffer.byteLength(wrap([...items, full(items.length), item('x')])) < bytes) items.push(full(items.length));
  const rest = bytes - Buffer.byteLength(wrap([...items, item('')]));
  const last = `${label} last `;
  items.push(item(`${last}${'z'.repeat(rest - last.length)}`));
  const body = wrap(items);
  if (Buffer.byteLength(body) !== bytes) throw new Error(`built ${Buffer.byteLength(body)} bytes, wanted ${bytes}`);
  return { body, count: items.length };
}

describe('context space limits (novyx), at n and n + 1, on create and on PUT', () => {
  let ws: MemoryWorkspace & { admin: string };

  beforeEach(async () => {
    ws = await spaceAdmin();
  });

  const agentIds = (n: number) => Array.from({ length: n }, (_, i) => `agent-${i}`);
  const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag-${i}`);
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['name 100 / 101 characters', { name: 'n'.repeat(100) }, { name: 'n'.repeat(101) }],
    ['name 100 / 101 characters of 4-byte emoji (counted in characters)', { name: '🦉'.repeat(100) }, { name: '🦉'.repeat(101) }],
    ['description 500 / 501 characters', { description: 'd'.repeat(500) }, { description: 'd'.repeat(501) }],
    ['description 500 / 501 characters of 2-byte letters (counted in characters)', { description: 'é'.repeat(500) }, { description: 'é'.repeat(501) }],
    ['allowed_agent_ids 10 / 11 entries', { allowed_agent_ids: agentIds(SPACE_LIMITS.allowedAgentIds) }, { allowed_agent_ids: agentIds(SPACE_LIMITS.allowedAgentIds + 1) }],
    ['an allowed_agent_ids entry of 64 / 65 characters', { allowed_agent_ids: ['a'.repeat(64)] }, { allowed_agent_ids: ['a'.repeat(65)] }],
    ['an allowed_agent_ids entry of [A-Za-z0-9._:-] / with a space', { allowed_agent_ids: ['Agent.1_b:c-d'] }, { allowed_agent_ids: ['agent 1'] }],
    ['an allowed_agent_ids entry of [A-Za-z0-9._:-] / with a slash', { allowed_agent_ids: ['agent-1'] }, { allowed_agent_ids: ['agent/1'] }],
    ['an allowed_agent_ids entry of [A-Za-z0-9._:-] / with a non-ASCII letter', { allowed_agent_ids: ['agent-e'] }, { allowed_agent_ids: ['agent-é'] }],
    ['tags 20 / 21', { tags: tags(SPACE_LIMITS.maxTags) }, { tags: tags(SPACE_LIMITS.maxTags + 1) }],
    ['a tag of 50 / 51 characters', { tags: ['g'.repeat(SPACE_LIMITS.tagChars)] }, { tags: ['g'.repeat(SPACE_LIMITS.tagChars + 1)] }],
    ['a tag of 50 / 51 characters of 4-byte emoji (counted in characters)', { tags: ['🦉'.repeat(SPACE_LIMITS.tagChars)] }, { tags: ['🦉'.repeat(SPACE_LIMITS.tagChars + 1)] }],
  ];

  it.each(cases)('create: %s', async (what, fits, over) => {
    const created = await api<ContextSpaceResource>('POST', '/v1/context-spaces', { token: ws.admin, body: { name: 'limits', ...fits } });
    expect([what, created.status]).toEqual([what, 201]);
    expect(created.body).toMatchObject(fits);
    expectValidationError(await api('POST', '/v1/context-spaces', { token: ws.admin, body: { name: 'limits', ...over } }), what);
    // The refused create left nothing behind.
    expect((await api('GET', '/v1/context-spaces', { token: ws.admin })).body.total_count).toBe(1);
  });

  it.each(cases)('PUT: %s', async (what, fits, over) => {
    const space = await createSpace(ws.admin, { name: 'before', description: 'before', tags: ['before'] });
    const updated = await api<ContextSpaceResource>('PUT', `/v1/context-spaces/${space.space_id}`, { token: ws.admin, body: fits });
    expect([what, updated.status]).toEqual([what, 200]);
    expect(updated.body).toEqual({ ...space, ...fits });
    expectValidationError(await api('PUT', `/v1/context-spaces/${space.space_id}`, { token: ws.admin, body: over }), what);
    // The refused update changed nothing.
    expect((await api('GET', `/v1/context-spaces/${space.space_id}`, { token: ws.admin })).body).toEqual(updated.body);
  });
});

describe('allowed_tenant_ids: at most 50 existing workspaces other than the owner (team plan)', () => {
  let ws: MemoryWorkspace & { admin: string };
  let others: string[];

  beforeAll(async () => {
    ws = await spaceAdmin();
    await setPlan(ws.workspaceId, 'team');
    // 51 real workspaces, signed up in parallel batches.
    others = [];
    for (let batch = 0; batch < 51; batch += 17) {
      const users = await Promise.all(Array.from({ length: Math.min(17, 51 - batch) }, () => signUp()));
      others.push(...users.map((user) => String(user.workspace.workspace_id)));
    }
  }, 120_000);

  const spaceCount = async () => (await api('GET', '/v1/context-spaces', { token: ws.admin })).body.total_count as number;

  it('create: 50 → 201 with all 50 granted; 51 → 400 and no space', async () => {
    const fits = await api<ContextSpaceResource>('POST', '/v1/context-spaces', { token: ws.admin, body: { name: 'fifty', allowed_tenant_ids: others.slice(0, 50) } });
    expect(fits.status).toBe(201);
    expect([...fits.body.allowed_tenant_ids].sort()).toEqual(others.slice(0, 50).sort());
    const before = await spaceCount();
    expectValidationError(await api('POST', '/v1/context-spaces', { token: ws.admin, body: { name: 'fifty-one', allowed_tenant_ids: others } }), '51 tenants');
    expect(await spaceCount()).toBe(before);
  });

  it('PUT: 50 → 200; 51 → 400 and the grants unchanged', async () => {
    const space = await createSpace(ws.admin, { name: 'grow' });
    const fits = await api<ContextSpaceResource>('PUT', `/v1/context-spaces/${space.space_id}`, { token: ws.admin, body: { allowed_tenant_ids: others.slice(1, 51) } });
    expect(fits.status).toBe(200);
    expect([...fits.body.allowed_tenant_ids].sort()).toEqual(others.slice(1, 51).sort());
    expectValidationError(await api('PUT', `/v1/context-spaces/${space.space_id}`, { token: ws.admin, body: { allowed_tenant_ids: others } }), '51 tenants');
    expect((await api('GET', `/v1/context-spaces/${space.space_id}`, { token: ws.admin })).body).toEqual(fits.body);
  });

  it('refuses an unknown workspace id and the owner’s own id (400), on create and on PUT, leaving nothing changed', async () => {
    const unknown = String(2_000_000_000 + Math.floor(Math.random() * 100_000_000));
    const own = String(ws.workspaceId);
    const space = await createSpace(ws.admin, { name: 'kept', allowed_tenant_ids: [others[0]] });
    const before = await spaceCount();
    for (const [what, ids] of [
      ['unknown alone', [unknown]],
      ['unknown beside a real one', [others[1], unknown]],
      ['the owner alone', [own]],
      ['the owner beside a real one', [others[1], own]],
    ] as const) {
      expectValidationError(await api('POST', '/v1/context-spaces', { token: ws.admin, body: { name: what, allowed_tenant_ids: ids } }), `create: ${what}`);
      expectValidationError(await api('PUT', `/v1/context-spaces/${space.space_id}`, { token: ws.admin, body: { allowed_tenant_ids: ids } }), `PUT: ${what}`);
    }
    expect(await spaceCount()).toBe(before);
    expect((await api('GET', `/v1/context-spaces/${space.space_id}`, { token: ws.admin })).body).toEqual(space);
  });
});

describe('memory content limits with multibyte text: observation and body_md are limited in UTF-8 bytes (16 KiB)', () => {
  let ws: MemoryWorkspace;

  beforeEach(async () => {
    ws = await memoryWorkspace();
  });

  // 'é' is 2 bytes, '€' 3 bytes, '🦉' 4 bytes (and 2 UTF-16 units) in UTF-8.
  const limit = MEMORY_LIMITS.observationBytes;
  const texts: [string, string, string][] = [
    ['2-byte letters: 16,384 bytes / 16,385 bytes', 'é'.repeat(limit / 2), `${'é'.repeat(limit / 2)}a`],
    ['4-byte emoji: 16,384 bytes / 16,385 bytes', '🦉'.repeat(limit / 4), `${'🦉'.repeat(limit / 4)}a`],
    ['3-byte signs: 16,383 bytes / 16,386 bytes although only 5,462 characters', '€'.repeat(5461), '€'.repeat(5462)],
  ];

  it.each(texts)('observation of %s', async (_what, fits, over) => {
    expect(limit).toBe(16 * 1024);
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(limit);
    expect(Buffer.byteLength(over)).toBeGreaterThan(limit);
    const written = await api('POST', '/v1/memories', { token: ws.key, body: { observation: fits, agent_id: 'creator' } });
    expect(written.status).toBe(201);
    expect(written.body.observation).toBe(fits);
    expectValidationError(await api('POST', '/v1/memories', { token: ws.key, body: { observation: over } }), 'over');
    // The same edge on PATCH.
    const short = await api('POST', '/v1/memories', { token: ws.key, body: { observation: 'short' } });
    const patched = await api('PATCH', `/v1/memories/${short.body.uuid}`, { token: ws.key, body: { observation: fits } });
    expect([patched.status, patched.body.observation]).toEqual([200, fits]);
    expectValidationError(await api('PATCH', `/v1/memories/${short.body.uuid}`, { token: ws.key, body: { observation: over } }), 'patch over');
    expect((await api('GET', `/v1/memories/${short.body.uuid}`, { token: ws.key })).body.observation).toBe(fits);
    expect((await api('GET', '/v1/memories', { token: ws.key })).body.memories).toHaveLength(2);
  });

  it.each(texts)('body_md of %s', async (_what, fits, over) => {
    expect(MEMORY_LIMITS.bodyMdBytes).toBe(limit);
    const written = await api('POST', '/v1/memories', { token: ws.key, body: { path: '/docs/multibyte.md', body_md: fits } });
    expect(written.status).toBe(201);
    expect(written.body.body_md).toBe(fits);
    expectValidationError(await api('POST', '/v1/memories', { token: ws.key, body: { path: '/docs/multibyte.md', body_md: over } }), 'over');
    expectValidationError(await api('PATCH', `/v1/memories/${written.body.uuid}`, { token: ws.key, body: { body_md: over } }), 'patch over');
    expect((await api('GET', `/v1/memories/${written.body.uuid}`, { token: ws.key })).body.body_md).toBe(fits);
  });
});

describe('memory title and tags are limited in characters, also of 4-byte emoji', () => {
  it('title 200 / 201 emoji, a tag of 50 / 51 emoji', async () => {
    const ws = await memoryWorkspace();
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['title', { title: '🦉'.repeat(MEMORY_LIMITS.titleChars) }, { title: '🦉'.repeat(MEMORY_LIMITS.titleChars + 1) }],
      ['tag', { tags: ['🦉'.repeat(MEMORY_LIMITS.tagChars)] }, { tags: ['🦉'.repeat(MEMORY_LIMITS.tagChars + 1)] }],
    ];
    for (const [what, fits, over] of cases) {
      const written = await api('POST', '/v1/memories', { token: ws.key, body: { observation: `emoji ${what}`, ...fits } });
      expect([what, written.status]).toEqual([what, 201]);
      expect(written.body).toMatchObject(fits);
      expectValidationError(await api('POST', '/v1/memories', { token: ws.key, body: { observation: `emoji ${what} over`, ...over } }), what);
    }
  });
});

describe('request bodies ≤ 1 MiB, batches too', () => {
  it('POST /v1/memories/batch of exactly 1 MiB of real memories → 201, every memory stored (the batch travels over NATS in parts)', async () => {
    const ws = await memoryWorkspace();
    const { body, count } = batchBodyOfExactly(MIB, 'exact');
    const response = await postRaw('/v1/memories/batch', ws.key, body);
    expect([response.status, response.body.created]).toEqual([201, count]);
    const listed = await api<{ memories: unknown[] }>('GET', `/v1/memories?limit=100`, { token: ws.key });
    expect(listed.body.memories).toHaveLength(count);
  }, 60_000);

  it('POST /v1/memories/batch of 1 MiB + 1 byte → 413 PAYLOAD_TOO_LARGE with the envelope, nothing written', async () => {
    const ws = await memoryWorkspace();
    const { body } = batchBodyOfExactly(MIB + 1, 'over');
    const response = await postRaw('/v1/memories/batch', ws.key, body);
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String), request_id: expect.any(String) } });
    expect((await api('GET', '/v1/memories', { token: ws.key })).body.memories).toEqual([]);
  }, 60_000);

  it('the gateway counts the raw body: 1 MiB of JSON with insignificant whitespace is accepted, 1 MiB + 1 is 413', async () => {
    const ws = await memoryWorkspace();
    const json = JSON.stringify({ memories: [{ observation: 'padded batch' }] });
    const padded = (bytes: number) => `${json}${' '.repeat(bytes - Buffer.byteLength(json))}`;
    expect(Buffer.byteLength(padded(MIB))).toBe(MAX_NATS_PAYLOAD_BYTES);
    const fits = await postRaw('/v1/memories/batch', ws.key, padded(MIB));
    expect([fits.status, fits.body.created]).toEqual([201, 1]);
    const over = await postRaw('/v1/memories/batch', ws.key, padded(MIB + 1));
    expect([over.status, over.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  }, 60_000);
});

describe('novyx 401 UNAUTHORIZED on /v1/context-spaces routes', () => {
  const someSpace = 'urn:uuid:0190f0c4-8a5e-7cc2-a2b4-5f1e0c6d7e8f';
  const routes: [string, string, unknown][] = [
    ['POST', '/v1/context-spaces', { name: 'x' }],
    ['GET', '/v1/context-spaces', undefined],
    ['GET', `/v1/context-spaces/${someSpace}`, undefined],
    ['PUT', `/v1/context-spaces/${someSpace}`, { name: 'x' }],
    ['DELETE', `/v1/context-spaces/${someSpace}`, undefined],
    ['GET', `/v1/context-spaces/${someSpace}/memories`, undefined],
  ];
  const credentials: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['a malformed key', { authorization: 'Bearer not a key' }],
    ['a key-shaped but unknown key', { authorization: `Bearer ${API_KEY_PREFIX}${randomBytes(24).toString('hex')}` }],
    ['a non-bearer scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
  ];

  it.each(credentials)('%s → 401 with the error envelope on every route', async (_what, headers) => {
    for (const [method, path, body] of routes) {
      const response = await api(method, path, { headers, body });
      expect([method, path, response.status]).toEqual([method, path, 401]);
      expect(response.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String), request_id: expect.any(String) } });
    }
  });
});
