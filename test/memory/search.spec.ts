import type { MemoryResource } from '@mnemo/contracts';
import { api, eventually } from '@mnemo/testing';
import { bare, memoryWorkspace, remember, search, type MemoryWorkspace } from './helpers';

const uuids = (response: { body: { results: { memory: MemoryResource }[] } }) => response.body.results.map((r) => r.memory.uuid);

describe('search', () => {
  let ws: MemoryWorkspace;

  // A workspace per test: results are exact, and the free plan's burst is per workspace.
  beforeEach(async () => {
    ws = await memoryWorkspace();
  });

  it('matches any term, stemmed, ranked by terms matched, then relevance, then importance, then recency', async () => {
    const oneTerm = await remember(ws.key, { observation: 'The cluster was upgraded on Monday', importance: 10 });
    const allTerms = await remember(ws.key, { observation: 'Deploying to the kubernetes cluster needs approval', importance: 1 });
    const twoTerms = await remember(ws.key, { observation: 'We deployed the kubernetes operator', importance: 1 });
    await remember(ws.key, { observation: 'Unrelated note about lunch' });
    const response = await search(ws.key, { q: 'deploys Kubernetes clusters' });
    expect(response.status).toBe(200);
    expect(uuids(response)).toEqual([allTerms.uuid, twoTerms.uuid, oneTerm.uuid]);
    const scores = response.body.results.map((r: { score: number }) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(scores.every((s: number) => s > 0 && s < 1)).toBe(true);

    // Same text (two agents, so not deduplicated): importance decides, then recency.
    const low = await remember(ws.key, { observation: 'pelican migration notes', importance: 2, agent_id: 'a' });
    const highOld = await remember(ws.key, { observation: 'pelican migration notes', importance: 7, agent_id: 'b' });
    const highNew = await remember(ws.key, { observation: 'pelican migration notes', importance: 7, agent_id: 'c' });
    expect(uuids(await search(ws.key, { q: 'pelican' }))).toEqual([highNew.uuid, highOld.uuid, low.uuid]);
  });

  it('says which fields matched', async () => {
    const doc = await remember(ws.key, { path: '/workspace/runbooks/rollback.md', title: 'Rollback runbook', body_md: 'How to roll back a release', tags: ['ops'] });
    const obs = await remember(ws.key, { observation: 'ops team owns rollback', tags: ['rollback'] });
    const results = (await search(ws.key, { q: 'rollback' })).body.results as { memory: MemoryResource; matched: string[] }[];
    const byUuid = Object.fromEntries(results.map((r) => [r.memory.uuid, [...r.matched].sort()]));
    expect(byUuid).toEqual({ [doc.uuid]: ['path', 'title'], [obs.uuid]: ['observation', 'tags'] });
    expect((await search(ws.key, { q: 'release' })).body.results[0].matched).toEqual(['body_md']);
  });

  it('applies every filter exactly', async () => {
    const a = await remember(ws.key, { observation: 'walrus alpha', tags: ['x', 'y'], agent_id: 'agent-a', path: '/workspace/teams/platform/a.md' });
    const b = await remember(ws.key, { observation: 'walrus beta', tags: ['x'], agent_id: 'agent-b', path: '/workspace/teams/platformx/b.md' });
    const c = await remember(ws.key, { observation: 'walrus gamma', tags: ['z'] });
    const sorted = (list: string[]) => [...list].sort();
    const found = async (filters: Record<string, unknown>) => sorted(uuids(await search(ws.key, { q: 'walrus', ...filters })));
    expect(await found({})).toEqual(sorted([a.uuid, b.uuid, c.uuid]));
    expect(await found({ tags: { any: ['y', 'z'] } })).toEqual(sorted([a.uuid, c.uuid]));
    expect(await found({ tags: { all: ['x', 'y'] } })).toEqual([a.uuid]);
    expect(await found({ tags: { any: ['x'], all: ['y'] } })).toEqual([a.uuid]);
    expect(await found({ agent_id: 'agent-b' })).toEqual([b.uuid]);
    expect(await found({ agent_id: 'agent-none' })).toEqual([]);
    expect(await found({ path_prefix: '/workspace/teams/platform' })).toEqual([a.uuid]);
    expect(await found({ path_prefix: '/workspace/teams/' })).toEqual(sorted([a.uuid, b.uuid]));
    expect(await found({ created_after: b.created_at })).toEqual([c.uuid]);
    expect(await found({ created_before: b.created_at })).toEqual([a.uuid]);
    expect(await found({ created_after: a.created_at, created_before: c.created_at })).toEqual([b.uuid]);
    const foreignSpace = await search(ws.key, { q: 'walrus', space_id: 'urn:uuid:0190f0c4-8a5e-7cc2-a2b4-5f1e0c6d7e8f' });
    expect([foreignSpace.status, foreignSpace.body.error.code]).toEqual([404, 'NOT_FOUND']);
    for (const body of [{ q: 'walrus', colour: 'blue' }, { q: 'walrus', tags: { none: ['x'] } }, { q: 'walrus', tags: ['x'] }, { q: '' }, {}, { q: 'walrus', created_after: 'yesterday' }, { q: 'walrus', path_prefix: '/a/../b' }]) {
      const refused = await search(ws.key, body);
      expect([JSON.stringify(body), refused.status, refused.body.error.code]).toEqual([JSON.stringify(body), 400, 'VALIDATION_ERROR']);
    }
  });

  it('pages with a cursor (limit 1–100), in the same order as one page', async () => {
    for (let i = 0; i < 5; i++) await remember(ws.key, { observation: `narwhal ${'fact '.repeat(i + 1)}`, importance: i + 1 });
    const all = uuids(await search(ws.key, { q: 'narwhal fact', limit: 100 }));
    expect(all).toHaveLength(5);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search(ws.key, { q: 'narwhal fact', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.body.results.length).toBeLessThanOrEqual(2);
      paged.push(...uuids(page));
      cursor = page.body.next_cursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(all);
    const first = await search(ws.key, { q: 'narwhal fact', limit: 1 });
    expect((await search(ws.key, { q: 'other words', cursor: first.body.next_cursor })).status).toBe(400);
    for (const limit of [0, 101, 2.5]) expect((await search(ws.key, { q: 'narwhal', limit })).status).toBe(400);
  });

  it('counts a recall for each memory returned', async () => {
    const hit = await remember(ws.key, { observation: 'axolotl habitat' });
    const miss = await remember(ws.key, { observation: 'penguin habitat' });
    const first = await search(ws.key, { q: 'axolotl' });
    expect(first.body.results[0].memory.recall_count).toBe(1);
    await search(ws.key, { q: 'axolotl' });
    await eventually(async () => ((await api('GET', `/v1/memories/${hit.uuid}`, { token: ws.key })).body.recall_count === 2 ? true : undefined), 5000, 'recall_count 2');
    expect((await api('GET', `/v1/memories/${miss.uuid}`, { token: ws.key })).body.recall_count).toBe(0);
  });

  it('reads its writes: a write, a patch and a delete show in the very next search', async () => {
    for (let round = 0; round < 5; round++) {
      const memory = await remember(ws.key, { observation: `okapi sighting ${round}` });
      expect(uuids(await search(ws.key, { q: `okapi ${round}` }))).toContain(memory.uuid);
      await api('PATCH', `/v1/memories/${bare(memory.uuid)}`, { token: ws.key, body: { observation: `tapir sighting ${round}` } });
      expect(uuids(await search(ws.key, { q: 'tapir' }))).toContain(memory.uuid);
      expect(uuids(await search(ws.key, { q: `okapi` }))).not.toContain(memory.uuid);
      await api('DELETE', `/v1/memories/${bare(memory.uuid)}`, { token: ws.key });
      expect(uuids(await search(ws.key, { q: 'tapir' }))).not.toContain(memory.uuid);
    }
  });
});

describe('context', () => {
  it('joins the best memories into one text within max_chars, with their uuid, path, title and score', async () => {
    const ws = await memoryWorkspace();
    const runbook = await remember(ws.key, { path: '/workspace/teams/platform/runbooks/deploy.md', title: 'Deploy runbook', body_md: '# Deploy\n\nRun make deploy.' });
    const note = await remember(ws.key, { observation: 'Deploys freeze on Fridays' });
    await remember(ws.key, { observation: 'Lunch is at noon' });
    const response = await api('POST', '/v1/context', { token: ws.key, body: { q: 'deploy process' } });
    expect(response.status).toBe(200);
    expect(response.body.memories.map((m: { uuid: string }) => m.uuid).sort()).toEqual([runbook.uuid, note.uuid].sort());
    expect(response.body.memories.find((m: { uuid: string }) => m.uuid === runbook.uuid)).toEqual({
      uuid: runbook.uuid,
      path: '/workspace/teams/platform/runbooks/deploy.md',
      title: 'Deploy runbook',
      score: expect.any(Number),
    });
    expect(response.body.context).toContain('## Deploy runbook\n# Deploy\n\nRun make deploy.');
    expect(response.body.context).toContain('Deploys freeze on Fridays');
    expect(response.body.context).not.toContain('Lunch');

    const scoped = await api('POST', '/v1/context', { token: ws.key, body: { q: 'deploy process', path_prefix: '/workspace/teams/platform/' } });
    expect(scoped.body.memories.map((m: { uuid: string }) => m.uuid)).toEqual([runbook.uuid]);
    const short = await api('POST', '/v1/context', { token: ws.key, body: { q: 'deploy', max_chars: 20 } });
    expect(Array.from(short.body.context as string).length).toBeLessThanOrEqual(20);
    const one = await api('POST', '/v1/context', { token: ws.key, body: { q: 'deploy', limit: 1 } });
    expect(one.body.memories).toHaveLength(1);
    for (const body of [{ q: 'deploy', limit: 0 }, { q: 'deploy', limit: 51 }, { q: 'deploy', max_chars: 0 }, { q: 'deploy', tags: ['x'] }]) {
      expect((await api('POST', '/v1/context', { token: ws.key, body })).status).toBe(400);
    }
    expect((await api('POST', '/v1/context', { token: ws.key, body: { q: 'deploy', limit: 50 } })).status).toBe(200);
  });
});

describe('teams', () => {
  it('lists the implicit team slugs under /workspace/teams/<slug>/ with their memory counts', async () => {
    const ws = await memoryWorkspace();
    await remember(ws.key, { path: '/workspace/teams/platform/runbooks/deploy.md', body_md: 'd' });
    await remember(ws.key, { path: '/workspace/teams/platform/adr.md', body_md: 'a' });
    await remember(ws.key, { path: '/workspace/teams/data/etl.md', body_md: 'e' });
    await remember(ws.key, { path: '/workspace/teams/lonely', body_md: 'not under a slug' });
    await remember(ws.key, { path: '/workspace/teamsx/other/doc.md', body_md: 'not a team path' });
    await remember(ws.key, { path: '/workspace/decisions/adr-001.md', body_md: 'workspace-wide' });
    const response = await api('GET', '/v1/teams', { token: ws.key });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ teams: [{ slug: 'data', memory_count: 1 }, { slug: 'platform', memory_count: 2 }] });
  });
});
