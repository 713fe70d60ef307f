import { SCOPES, type MemoryResource } from '@mnemo/contracts';
import { api, mintKey } from '@mnemo/testing';
import { bare, memoryWorkspace, remember, search, type MemoryWorkspace } from './helpers';

/**
 * The tenant boundary: a key (or session) of workspace B never sees workspace A's memories, by id, list,
 * search, context or teams, and cannot change them.
 */
describe('workspace isolation of memories', () => {
  let a: MemoryWorkspace;
  let b: MemoryWorkspace;
  let secret: MemoryResource;
  let doc: MemoryResource;
  let strangerKey: string;

  beforeAll(async () => {
    a = await memoryWorkspace();
    b = await memoryWorkspace();
    strangerKey = (await mintKey(b.owner.token, b.workspaceId, [...SCOPES])).key;
    secret = await remember(a.key, { observation: 'capybara launch codes are 1234', tags: ['secret'], agent_id: 'agent-1' });
    doc = await remember(a.key, { path: '/workspace/teams/skunkworks/plan.md', title: 'Capybara plan', body_md: 'capybara rollout' });
    await remember(b.key, { observation: 'b has its own memory' });
  });

  it('answers 404 and no data for the memory by id, in both id forms, for get, patch and delete', async () => {
    for (const id of [secret.uuid, bare(secret.uuid), doc.uuid]) {
      for (const [method, body] of [['GET'], ['PATCH', { importance: 1 }], ['DELETE']] as const) {
        const response = await api(method, `/v1/memories/${id}`, { token: strangerKey, body });
        expect([method, response.status, Object.keys(response.body)]).toEqual([method, 404, ['error']]);
      }
    }
    expect((await api('GET', `/v1/memories/${secret.uuid}`, { token: a.key })).body).toEqual(secret);
  });

  it('never lists, searches, contextualises or counts the other workspace’s memories', async () => {
    const list = await api('GET', '/v1/memories?limit=100', { token: strangerKey });
    expect(list.body.memories.map((m: MemoryResource) => m.observation)).toEqual(['b has its own memory']);
    for (const filters of [{}, { agent_id: 'agent-1' }, { tags: { any: ['secret'] } }, { path_prefix: '/workspace/teams/skunkworks' }]) {
      expect((await search(strangerKey, { q: 'capybara launch codes plan', ...filters })).body.results).toEqual([]);
    }
    expect((await api('GET', '/v1/memories?agent_id=agent-1', { token: strangerKey })).body.memories).toEqual([]);
    const context = await api('POST', '/v1/context', { token: strangerKey, body: { q: 'capybara' } });
    expect(context.body).toEqual({ context: '', memories: [] });
    expect((await api('GET', '/v1/teams', { token: strangerKey })).body).toEqual({ teams: [] });
    // The owner's own view has them.
    expect(((await search(a.key, { q: 'capybara' })).body.results as unknown[]).length).toBe(2);
    expect((await api('GET', '/v1/teams', { token: a.key })).body).toEqual({ teams: [{ slug: 'skunkworks', memory_count: 1 }] });
  });

  it('writes to the same path or the same text in another workspace create that workspace’s own memories', async () => {
    const samePath = await api('POST', '/v1/memories', { token: strangerKey, body: { path: '/workspace/teams/skunkworks/plan.md', body_md: 'b’s plan' } });
    const sameText = await api('POST', '/v1/memories', { token: strangerKey, body: { observation: 'capybara launch codes are 1234', agent_id: 'agent-1', tags: ['secret'] } });
    expect([samePath.status, sameText.status]).toEqual([201, 201]);
    expect([samePath.body.uuid, sameText.body.uuid]).not.toContain(doc.uuid);
    expect(sameText.body.uuid).not.toBe(secret.uuid);
    expect((await api('GET', `/v1/memories/${doc.uuid}`, { token: a.key })).body.body_md).toBe('capybara rollout');
  });

  it('refuses a session naming a workspace it is not a member of with 404', async () => {
    for (const [method, path, body] of [
      ['GET', `/v1/memories/${secret.uuid}`],
      ['GET', '/v1/memories'],
      ['POST', '/v1/memories/search', { q: 'capybara' }],
      ['POST', '/v1/context', { q: 'capybara' }],
      ['GET', '/v1/teams'],
      ['POST', '/v1/memories', { observation: 'intruder' }],
    ] as const) {
      const response = await api(method, path, { token: b.owner.token, workspace: a.workspaceId, body });
      expect([method, path, response.status, Object.keys(response.body)]).toEqual([method, path, 404, ['error']]);
    }
    // Its own workspace, by header, works.
    expect((await api('GET', '/v1/memories', { token: b.owner.token, workspace: b.workspaceId })).status).toBe(200);
  });

  it('ignores Mnemo-Workspace for keys: a key always acts in its own workspace', async () => {
    const response = await api('GET', '/v1/memories', { token: strangerKey, workspace: a.workspaceId });
    expect(response.status).toBe(200);
    expect(response.body.memories.map((m: MemoryResource) => m.uuid)).not.toContain(secret.uuid);
  });
});
