import type { ContextSpaceResource, ExportLine, MemoryResource } from '@mnemo/contracts';
import { api, eventually, mintKey, randomClientIp, testStack } from '@mnemo/testing';
import { as, createSpace as createSharedSpace, tenant, untilReadable } from './cross-tenant-fixtures';
import { memoryWorkspace, type MemoryWorkspace } from './helpers';

/** How far ahead the expiring memories expire: long enough to see them first, even on a loaded machine. */
const LEAD_MS = 8_000;

async function exportedUuids(token: string): Promise<string[]> {
  const response = await fetch(`${testStack().gatewayUrl}/v1/export`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': randomClientIp() } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`export failed: ${response.status} ${text}`);
  const lines = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ExportLine);
  return lines.flatMap((line) => (line.type === 'memory' ? [line.memory.uuid] : []));
}

async function write(token: string, body: Record<string, unknown>): Promise<MemoryResource> {
  const response = await api<MemoryResource>('POST', '/v1/memories', { token, body });
  if (response.status !== 201) throw new Error(`write failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const uuidsOf = (memories: { uuid: string }[]) => memories.map((memory) => memory.uuid).sort();

describe('TTL: a memory past its expires_at is gone from every read at once', () => {
  let ws: MemoryWorkspace;
  let admin: string;
  let space: ContextSpaceResource;

  beforeEach(async () => {
    ws = await memoryWorkspace();
    admin = (await mintKey(ws.owner.token, ws.workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    const created = await api<ContextSpaceResource>('POST', '/v1/context-spaces', { token: admin, body: { name: 'ttl' } });
    expect(created.status).toBe(201);
    space = created.body;
  });

  /** Every read the API has, as the uuids (or counts) it shows. */
  async function reads() {
    const [list, searched, context, inSpace, inSpaceSearched, spaceResource, teams, exported] = await Promise.all([
      api('GET', '/v1/memories?limit=100', { token: admin }),
      api('POST', '/v1/memories/search', { token: admin, body: { q: 'ocelot', limit: 100 } }),
      api('POST', '/v1/context', { token: admin, body: { q: 'ocelot', limit: 50 } }),
      api('GET', `/v1/context-spaces/${space.space_id}/memories`, { token: admin }),
      api('GET', `/v1/context-spaces/${space.space_id}/memories?q=ocelot`, { token: admin }),
      api('GET', `/v1/context-spaces/${space.space_id}`, { token: admin }),
      api('GET', '/v1/teams', { token: admin }),
      exportedUuids(admin),
    ]);
    for (const response of [list, searched, context, inSpace, inSpaceSearched, spaceResource, teams]) expect(response.status).toBe(200);
    return {
      list: uuidsOf(list.body.memories),
      search: uuidsOf(searched.body.results.map((result: { memory: MemoryResource }) => result.memory)),
      context: uuidsOf(context.body.memories),
      contextText: context.body.context as string,
      spaceMemories: uuidsOf(inSpace.body.memories),
      spaceTotal: inSpace.body.total_count as number,
      spaceSearch: uuidsOf(inSpaceSearched.body.memories),
      spaceSearchTotal: inSpaceSearched.body.total_count as number,
      memoryCount: spaceResource.body.memory_count as number,
      teams: teams.body.teams as { slug: string; memory_count: number }[],
      export: [...exported].sort(),
    };
  }

  it('GET by id, list, search, context, space memories, memory_count, teams and export; the same observation then writes a new memory', async () => {
    // Kept: an observation in the space and a team document. Expiring: the same kinds, a few seconds ahead.
    const keptNote = await write(admin, { observation: 'ocelot kept note', space_id: space.space_id });
    const keptDoc = await write(admin, { path: '/workspace/teams/cats/kept.md', body_md: 'ocelot kept doc' });
    const expiresAt = new Date(Date.now() + LEAD_MS).toISOString();
    const expiringNote = await write(admin, { observation: 'ocelot fleeting note', space_id: space.space_id, expires_at: expiresAt });
    const expiringDoc = await write(admin, { path: '/workspace/teams/cats/fleeting.md', body_md: 'ocelot fleeting doc', space_id: space.space_id, expires_at: expiresAt });
    expect(expiringNote.expires_at).toBe(expiresAt);

    // Before: every read shows them.
    const all = [keptNote.uuid, keptDoc.uuid, expiringNote.uuid, expiringDoc.uuid].sort();
    const inSpace = [keptNote.uuid, expiringNote.uuid, expiringDoc.uuid].sort();
    const before = await reads();
    expect(Date.now()).toBeLessThan(Date.parse(expiresAt)); // else this machine was too slow to see them first
    expect(before).toMatchObject({ list: all, search: all, context: all, spaceMemories: inSpace, spaceTotal: 3, spaceSearch: inSpace, spaceSearchTotal: 3, memoryCount: 3, teams: [{ slug: 'cats', memory_count: 2 }], export: all });
    expect((await api('GET', `/v1/memories/${expiringNote.uuid}`, { token: admin })).status).toBe(200);
    // While it lives, the same observation is deduplicated against it (so the 201 below means something).
    const duplicate = await api<MemoryResource>('POST', '/v1/memories', { token: admin, body: { observation: 'ocelot fleeting note', space_id: space.space_id } });
    expect([duplicate.status, duplicate.body.uuid]).toEqual([200, expiringNote.uuid]);

    // The moment one read hides the expired memory, every other read hides it too.
    await eventually(async () => ((await api('GET', `/v1/memories/${expiringNote.uuid}`, { token: admin })).status === 404 ? true : undefined), 30_000, 'the memory to expire');
    const missing = await api('GET', `/v1/memories/${expiringDoc.uuid}`, { token: admin });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const after = await reads();
    const kept = [keptNote.uuid, keptDoc.uuid].sort();
    expect(after).toMatchObject({ list: kept, search: kept, context: kept, spaceMemories: [keptNote.uuid], spaceTotal: 1, spaceSearch: [keptNote.uuid], spaceSearchTotal: 1, memoryCount: 1, teams: [{ slug: 'cats', memory_count: 1 }], export: kept });
    expect(after.contextText).not.toContain('fleeting');

    // The same observation again is a new memory, not a duplicate of the expired one; the path is free again.
    const again = await api<MemoryResource>('POST', '/v1/memories', { token: admin, body: { observation: 'ocelot fleeting note', space_id: space.space_id } });
    expect(again.status).toBe(201);
    expect(again.body.uuid).not.toBe(expiringNote.uuid);
    expect(again.body.expires_at).toBeNull();
    const docAgain = await api<MemoryResource>('POST', '/v1/memories', { token: admin, body: { path: '/workspace/teams/cats/fleeting.md', body_md: 'ocelot fleeting doc, rewritten' } });
    expect(docAgain.status).toBe(201);
    expect(docAgain.body.uuid).not.toBe(expiringDoc.uuid);
    expect((await reads()).teams).toEqual([{ slug: 'cats', memory_count: 2 }]);
  }, 60_000);

  it('a team whose only memory expired leaves GET /v1/teams', async () => {
    await write(admin, { path: '/workspace/teams/dogs/only.md', body_md: 'ocelot-free doc', expires_at: new Date(Date.now() + LEAD_MS).toISOString() });
    await write(admin, { path: '/workspace/teams/birds/stays.md', body_md: 'stays' });
    expect((await api('GET', '/v1/teams', { token: admin })).body.teams).toEqual([
      { slug: 'birds', memory_count: 1 },
      { slug: 'dogs', memory_count: 1 },
    ]);
    const teams = await eventually(async () => {
      const response = await api('GET', '/v1/teams', { token: admin });
      return response.body.teams.length === 1 ? response.body.teams : undefined;
    }, 30_000, 'the team to leave the list');
    expect(teams).toEqual([{ slug: 'birds', memory_count: 1 }]);
  }, 60_000);

  it('refuses an expires_at that has already passed (400), on write, batch and PATCH: nothing dead is written', async () => {
    const past = new Date(Date.now() - 1_000).toISOString();
    const single = await api('POST', '/v1/memories', { token: admin, body: { observation: 'born dead', expires_at: past } });
    expect([single.status, single.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const batch = await api('POST', '/v1/memories/batch', { token: admin, body: { memories: [{ observation: 'fine' }, { observation: 'born dead', expires_at: past }] } });
    expect([batch.status, batch.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const alive = await write(admin, { observation: 'alive' });
    const patch = await api('PATCH', `/v1/memories/${alive.uuid}`, { token: admin, body: { expires_at: past } });
    expect([patch.status, patch.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const list = await api('GET', '/v1/memories', { token: admin });
    expect(list.body.memories.map((m: MemoryResource) => [m.observation, m.expires_at])).toEqual([['alive', null]]);
  });
});

describe('TTL across the tenant boundary', () => {
  it('an expired memory of a shared space leaves the grantee’s reads and the memory_count it sees', async () => {
    const [owner, grantee] = await Promise.all([tenant('pro'), tenant()]);
    const space = await createSharedSpace(owner, { name: 'shared ttl', allowed_tenant_ids: [String(grantee.id)] });
    const asGrantee = as(grantee, 'unbound');
    // The grant is live before the clock starts.
    await untilReadable(() => asGrantee('GET', `/v1/context-spaces/${space.space_id}`));
    const kept = (await as(owner, 'session')('POST', '/v1/memories', { observation: 'puma kept', space_id: space.space_id })).body as MemoryResource;
    const expiring = (
      await as(owner, 'session')('POST', '/v1/memories', { observation: 'puma fleeting', space_id: space.space_id, expires_at: new Date(Date.now() + LEAD_MS).toISOString() })
    ).body as MemoryResource;
    const seen = async () => {
      const [memories, searched, resource] = await Promise.all([
        asGrantee('GET', `/v1/context-spaces/${space.space_id}/memories`),
        asGrantee('GET', `/v1/context-spaces/${space.space_id}/memories?q=puma`),
        asGrantee('GET', `/v1/context-spaces/${space.space_id}`),
      ]);
      for (const response of [memories, searched, resource]) expect(response.status).toBe(200);
      return { memories: uuidsOf(memories.body.memories), total: memories.body.total_count, searched: uuidsOf(searched.body.memories), count: resource.body.memory_count };
    };
    const both = [kept.uuid, expiring.uuid].sort();
    expect(await seen()).toEqual({ memories: both, total: 2, searched: both, count: 2 });
    expect(Date.now()).toBeLessThan(Date.parse(expiring.expires_at!));
    await eventually(async () => ((await as(owner, 'session')('GET', `/v1/memories/${expiring.uuid}`)).status === 404 ? true : undefined), 30_000, 'the memory to expire');
    expect(await seen()).toEqual({ memories: [kept.uuid], total: 1, searched: [kept.uuid], count: 1 });
  }, 60_000);
});
