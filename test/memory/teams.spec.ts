import type { MemoryResource } from '@mnemo/contracts';
import { api, signUp, type TestUser } from '@mnemo/testing';
import { addByInvitation } from '../workspaces/helpers';

/**
 * Teams are implicit under `/workspace/teams/<slug>/`: every member with memory:write may write any team path,
 * also documents another member created; a viewer (memory:read only) may not.
 */
describe('team paths: any member with memory:write writes them', () => {
  let owner: TestUser;
  let member: TestUser;
  let viewer: TestUser;
  let workspaceId: number;

  beforeAll(async () => {
    [owner, member, viewer] = await Promise.all([signUp(), signUp(), signUp()]);
    workspaceId = owner.workspace.workspace_id;
    await addByInvitation(owner, member, 'member');
    await addByInvitation(owner, viewer, 'viewer');
  }, 60_000);

  const as = (user: TestUser) => (method: string, path: string, body?: unknown) => api<MemoryResource>(method, path, { token: user.token, workspace: workspaceId, body });

  it('the sessions carry the roles this test relies on', async () => {
    const whoami = async (user: TestUser) => (await api('GET', '/v1/auth/whoami', { token: user.token, workspace: workspaceId })).body;
    expect(await whoami(member)).toMatchObject({ workspace_id: workspaceId, role: 'member' });
    expect((await whoami(member)).scopes.sort()).toEqual(['memory:read', 'memory:write']);
    expect(await whoami(viewer)).toMatchObject({ workspace_id: workspaceId, role: 'viewer', scopes: ['memory:read'] });
  });

  it('a member upserts the team document the owner created: 200, same uuid, a new version; PATCH too', async () => {
    const created = await as(owner)('POST', '/v1/memories', { path: '/workspace/teams/platform/runbook.md', title: 'Runbook', body_md: 'v1 by the owner' });
    expect([created.status, created.headers.get('etag')]).toEqual([201, '"1"']);

    // The path is normalised the same way, so a differently spelled path is the same document.
    const upserted = await as(member)('POST', '/v1/memories', { path: '/Workspace/Teams/Platform/runbook.md', title: 'Runbook', body_md: 'v2 by a member' });
    expect([upserted.status, upserted.headers.get('etag')]).toEqual([200, '"2"']);
    expect(upserted.body).toMatchObject({ uuid: created.body.uuid, path: '/workspace/teams/platform/runbook.md', body_md: 'v2 by a member', created_at: created.body.created_at });

    const patched = await as(member)('PATCH', `/v1/memories/${created.body.uuid}`, { body_md: 'v3 patched by a member' });
    expect([patched.status, patched.headers.get('etag'), patched.body.uuid]).toEqual([200, '"3"', created.body.uuid]);

    const read = await as(owner)('GET', `/v1/memories/${created.body.uuid}`);
    expect([read.status, read.headers.get('etag'), read.body.body_md]).toEqual([200, '"3"', 'v3 patched by a member']);
    const teams = (await as(owner)('GET', '/v1/teams')).body as unknown as { teams: { slug: string; memory_count: number }[] };
    expect(teams.teams.find((team) => team.slug === 'platform')).toEqual({ slug: 'platform', memory_count: 1 });
  });

  it('a member writes a new team path, also in a batch; the owner sees them', async () => {
    const single = await as(member)('POST', '/v1/memories', { path: '/workspace/teams/research/notes.md', body_md: 'member notes' });
    expect(single.status).toBe(201);
    const seeded = await as(owner)('POST', '/v1/memories', { path: '/workspace/teams/research/plan.md', body_md: 'owner plan' });
    const batch = await api('POST', '/v1/memories/batch', {
      token: member.token,
      workspace: workspaceId,
      body: { memories: [{ path: '/workspace/teams/research/plan.md', body_md: 'plan, by a member' }, { path: '/workspace/teams/research/ideas.md', body_md: 'ideas' }] },
    });
    expect(batch.status).toBe(201);
    expect(batch.body.results.map((r: { outcome: string; uuid: string }) => [r.outcome, r.uuid === seeded.body.uuid])).toEqual([
      ['updated', true],
      ['created', false],
    ]);
    expect((await as(owner)('GET', `/v1/memories/${seeded.body.uuid}`)).body.body_md).toBe('plan, by a member');
  });

  it('a viewer can read a team document but not write, upsert, patch or delete it: 403, nothing changed', async () => {
    const created = await as(owner)('POST', '/v1/memories', { path: '/workspace/teams/ops/oncall.md', body_md: 'owner on-call notes' });
    expect(created.status).toBe(201);
    expect((await as(viewer)('GET', `/v1/memories/${created.body.uuid}`)).status).toBe(200);
    const attempts = [
      await as(viewer)('POST', '/v1/memories', { path: '/workspace/teams/ops/oncall.md', body_md: 'viewer rewrite' }),
      await as(viewer)('POST', '/v1/memories', { path: '/workspace/teams/ops/new.md', body_md: 'viewer new doc' }),
      await as(viewer)('POST', '/v1/memories/batch', { memories: [{ path: '/workspace/teams/ops/oncall.md', body_md: 'viewer batch' }] }),
      await as(viewer)('PATCH', `/v1/memories/${created.body.uuid}`, { body_md: 'viewer patch' }),
      await as(viewer)('DELETE', `/v1/memories/${created.body.uuid}`),
    ];
    for (const attempt of attempts) expect([attempt.status, (attempt.body as unknown as { error: { code: string } }).error.code]).toEqual([403, 'FORBIDDEN']);
    const read = await as(owner)('GET', `/v1/memories/${created.body.uuid}`);
    expect([read.headers.get('etag'), read.body.body_md]).toEqual(['"1"', 'owner on-call notes']);
    const teams = (await as(owner)('GET', '/v1/teams')).body as unknown as { teams: { slug: string; memory_count: number }[] };
    expect(teams.teams.find((team) => team.slug === 'ops')).toEqual({ slug: 'ops', memory_count: 1 });
  });
});
