import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { adminConnectionUrl } from '@mnemo/event-store';
import { api, eventually, mintKey, signUp, testStack } from '@mnemo/testing';

async function identityRowsContaining(secret: string): Promise<number> {
  const client = new Client({ connectionString: adminConnectionUrl(testStack().config) });
  await client.connect();
  try {
    const tables = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'identity'`);
    let hits = 0;
    for (const { table_name } of tables.rows) {
      const found = await client.query(`SELECT count(*)::int AS n FROM identity."${table_name}" t WHERE row_to_json(t)::text LIKE $1`, [`%${secret.slice(6, 30)}%`]);
      hits += found.rows[0].n;
    }
    return hits;
  } finally {
    await client.end();
  }
}

function identityLogMentions(requestId: string): boolean {
  return readFileSync(join(testStack().logDir, 'identity.log'), 'utf8').includes(requestId);
}

describe('API keys', () => {
  it('shows the key once, in the documented format, and keeps no recoverable copy of it or of a session token', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read', 'memory:write'], { name: 'ci', agent_id: 'agent-1' });
    expect(key).toEqual({
      id: expect.any(String),
      name: 'ci',
      prefix: key.key.slice(0, 10),
      scopes: ['memory:read', 'memory:write'],
      agent_id: 'agent-1',
      enabled: true,
      expires_at: null,
      last_used_at: null,
      created_at: expect.any(String),
      created_by: ada.user.id,
      key: expect.stringMatching(/^mnemo_[0-9A-Za-z]{40,}$/),
    });
    const listed = await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys`, { token: ada.token });
    expect(listed.body.api_keys).toEqual([{ ...key, key: undefined }].map(({ key: _, ...rest }) => rest));
    expect(await identityRowsContaining(key.key)).toBe(0);
    expect(await identityRowsContaining(ada.token)).toBe(0);
  });

  it('refuses a key with one wrong character before any lookup', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read']);
    expect((await api('GET', '/v1/auth/whoami', { token: key.key })).status).toBe(200);
    const position = 20;
    const typo = key.key.slice(0, position) + (key.key[position] === 'a' ? 'b' : 'a') + key.key.slice(position + 1);
    const refused = await api('GET', '/v1/auth/whoami', { token: typo });
    expect(refused.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(identityLogMentions(refused.body.error.request_id)).toBe(false);
  });

  it('mints exactly 10 of 20 parallel keys at the free plan cap of 10', async () => {
    const ada = await signUp();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys`, { token: ada.token, body: { name: `k${i}`, scopes: ['memory:read'] } }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(r.body.error.code).toBe('PLAN_UPGRADE_REQUIRED');
    const listed = await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys`, { token: ada.token });
    expect(listed.body.api_keys).toHaveLength(10);
    // Revoking one frees a place.
    await api('DELETE', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys/${listed.body.api_keys[0].id}`, { token: ada.token });
    expect((await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys`, { token: ada.token, body: { name: 'again', scopes: ['memory:read'] } })).status).toBe(201);
  });

  it('lets a key mint only a subset of its scopes, and an agent-bound key only for its agent', async () => {
    const ada = await signUp();
    const ws = ada.workspace.workspace_id;
    const admin = await mintKey(ada.token, ws, ['workspace:admin', 'memory:read'], { agent_id: 'agent-1' });
    const ok = await api('POST', `/v1/workspaces/${ws}/api-keys`, { token: admin.key, body: { name: 'child', scopes: ['memory:read'], agent_id: 'agent-1' } });
    expect(ok.status).toBe(201);
    expect(ok.body.created_by).toBe(ada.user.id);
    const wider = await api('POST', `/v1/workspaces/${ws}/api-keys`, { token: admin.key, body: { name: 'x', scopes: ['memory:write'], agent_id: 'agent-1' } });
    expect(wider.status).toBe(403);
    const otherAgent = await api('POST', `/v1/workspaces/${ws}/api-keys`, { token: admin.key, body: { name: 'x', scopes: ['memory:read'], agent_id: 'agent-2' } });
    expect(otherAgent.status).toBe(403);
    const unbound = await api('POST', `/v1/workspaces/${ws}/api-keys`, { token: admin.key, body: { name: 'x', scopes: ['memory:read'] } });
    expect(unbound.status).toBe(403);
    const reader = await mintKey(ada.token, ws, ['memory:read']);
    const noAdmin = await api('POST', `/v1/workspaces/${ws}/api-keys`, { token: reader.key, body: { name: 'x', scopes: ['memory:read'] } });
    expect(noAdmin.status).toBe(403);
    expect(noAdmin.body.error.details).toEqual({ required_scope: 'workspace:admin' });
  });

  it('rotates: same id, scopes, agent and expiry, a new secret, and the old one still valid', async () => {
    const ada = await signUp();
    const ws = ada.workspace.workspace_id;
    const expiresAt = new Date(Date.now() + 86_400_000 * 30).toISOString();
    const key = await mintKey(ada.token, ws, ['memory:read'], { agent_id: 'bot', expires_at: expiresAt });
    const rotated = await api('POST', `/v1/workspaces/${ws}/api-keys/${key.id}/rotate`, { token: ada.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: key.id, scopes: key.scopes, agent_id: 'bot', expires_at: key.expires_at, key: expect.stringMatching(/^mnemo_/) });
    expect(rotated.body.key).not.toBe(key.key);
    expect(rotated.body.prefix).toBe(rotated.body.key.slice(0, 10));
    expect((await api('GET', '/v1/auth/whoami', { token: rotated.body.key })).body.principal).toEqual({ type: 'key', id: key.id });
    expect((await api('GET', '/v1/auth/whoami', { token: key.key })).status).toBe(200);
  });

  it('disables, re-enables, renames and revokes', async () => {
    const ada = await signUp();
    const ws = ada.workspace.workspace_id;
    const key = await mintKey(ada.token, ws, ['memory:read']);
    const path = `/v1/workspaces/${ws}/api-keys/${key.id}`;
    expect((await api('GET', '/v1/auth/whoami', { token: key.key })).status).toBe(200);
    const disabled = await api('PATCH', path, { token: ada.token, body: { enabled: false, name: 'paused' } });
    expect(disabled.body).toMatchObject({ enabled: false, name: 'paused' });
    await eventually(async () => ((await api('GET', '/v1/auth/whoami', { token: key.key })).status === 401 ? true : undefined), 5000, 'the disabled key to be refused');
    await api('PATCH', path, { token: ada.token, body: { enabled: true } });
    await eventually(async () => ((await api('GET', '/v1/auth/whoami', { token: key.key })).status === 200 ? true : undefined), 5000, 'the enabled key to work');
    expect((await api('DELETE', path, { token: ada.token })).status).toBe(204);
    await eventually(async () => ((await api('GET', '/v1/auth/whoami', { token: key.key })).status === 401 ? true : undefined), 5000, 'the revoked key to be refused');
    expect((await api('DELETE', path, { token: ada.token })).status).toBe(404);
    expect((await api('GET', `/v1/workspaces/${ws}/api-keys`, { token: ada.token })).body.api_keys).toEqual([]);
  });

  it('records last_used_at in batches', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['workspace:admin']);
    await api('GET', '/v1/auth/whoami', { token: key.key });
    const used = await eventually(
      async () => {
        const listed = await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys`, { token: ada.token });
        return listed.body.api_keys[0].last_used_at ?? undefined;
      },
      10_000,
      'last_used_at',
    );
    expect(Date.parse(used)).toBeGreaterThan(Date.parse(key.created_at) - 1000);
  });

  it.each([
    ['an empty scope list', { name: 'x', scopes: [] }],
    ['an unknown scope', { name: 'x', scopes: ['memory:delete'] }],
    ['a name of 101 characters', { name: 'n'.repeat(101), scopes: ['memory:read'] }],
    ['a bad agent id', { name: 'x', scopes: ['memory:read'], agent_id: 'no spaces allowed' }],
    ['an expiry in the past', { name: 'x', scopes: ['memory:read'], expires_at: '2020-01-01T00:00:00Z' }],
    ['an unknown field', { name: 'x', scopes: ['memory:read'], admin: true }],
  ])('refuses %s with VALIDATION_ERROR and mints nothing', async (_, body) => {
    const ada = await signUp();
    const response = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys`, { token: ada.token, body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}/api-keys`, { token: ada.token })).body.api_keys).toEqual([]);
  });

  it('replays a creation with the same Idempotency-Key without the secret, and refuses another body with 422', async () => {
    const ada = await signUp();
    const path = `/v1/workspaces/${ada.workspace.workspace_id}/api-keys`;
    const headers = { 'idempotency-key': `idem-${Date.now()}` };
    const first = await api('POST', path, { token: ada.token, headers, body: { name: 'deploy', scopes: ['memory:read'] } });
    expect(first.status).toBe(201);
    expect(first.body.key).toMatch(/^mnemo_/);
    const replay = await api('POST', path, { token: ada.token, headers, body: { name: 'deploy', scopes: ['memory:read'] } });
    expect(replay.status).toBe(201);
    const { key: _secret, ...withoutSecret } = first.body;
    expect(replay.body).toEqual(withoutSecret);
    const other = await api('POST', path, { token: ada.token, headers, body: { name: 'other', scopes: ['memory:read'] } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_MISMATCH');
    expect((await api('GET', path, { token: ada.token })).body.api_keys).toHaveLength(1);
  });
});
