import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { v7 as uuidv7 } from 'uuid';
import { NatsNames } from '@mnemo/contracts';
import { api, connectTestRpc, eventually, mintKey, signUp, testStack } from '@mnemo/testing';
import { bare, memoryTable, memoryWorkspace, remember, search } from './helpers';

/** A string no test writes twice, lowercase so full-text search keeps it as one lexeme. */
const newMarker = () => `zq${randomBytes(8).toString('hex')}`;

/**
 * Every table of the memory schema (events, outbox, idempotency records, read models, audit, staging …) whose
 * rows, read as text by the superuser, contain the marker.
 */
async function tablesHolding(marker: string): Promise<string[]> {
  const tables = await memoryTable<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'memory' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const holding: string[] = [];
  for (const { table_name: table } of tables) {
    const [{ count }] = await memoryTable<{ count: number }>(`SELECT count(*)::int AS count FROM memory."${table}" AS t WHERE t::text LIKE $1`, [`%${marker}%`]);
    if (count > 0) holding.push(table);
  }
  return holding;
}

async function eventTypes(streamId: string): Promise<string[]> {
  const rows = await memoryTable<{ type: string }>('SELECT type FROM memory.events WHERE stream_id = $1 ORDER BY stream_version', [streamId]);
  return rows.map((row) => row.type);
}

async function workspacePurges(workspaceId: number): Promise<{ erasure_id: string | null; scope: string }[]> {
  const rows = await memoryTable<{ data: { erasure_id: string | null; scope: string } }>(
    `SELECT data FROM memory.events WHERE stream_id = $1 AND type = 'memory.purged'`,
    [`workspace-${workspaceId}`],
  );
  return rows.map((row) => row.data);
}

/** A memory workspace holding the marker everywhere content goes: observations, documents, patches, a space. */
async function fillWithMarker(token: string, marker: string) {
  const observation = await api('POST', '/v1/memories', {
    token,
    headers: { 'idempotency-key': `erasure-${marker}` },
    body: { observation: `the launch code is ${marker}`, tags: [marker] },
  });
  expect(observation.status).toBe(201);
  const document = await remember(token, { path: `/notes/${marker}`, title: `about ${marker}`, body_md: `# ${marker}\nbody` });
  const patched = await api('PATCH', `/v1/memories/${bare(document.uuid)}`, { token, body: { title: `still ${marker}`, body_md: `patched ${marker}` } });
  expect(patched.status).toBe(200);
  return { observation: observation.body, document };
}

describe('memory in an account erasure', () => {
  it('drops the user’s stored request answers (idempotency records) and reports its step done', async () => {
    const ada = await signUp();
    const written = await api('POST', '/v1/memories', {
      token: ada.token,
      workspace: ada.workspace.workspace_id,
      headers: { 'idempotency-key': 'erasure-test' },
      body: { observation: 'remember me, then forget me' },
    });
    expect(written.status).toBe(201);
    const principal = `user:${ada.user.id}`;
    expect(await memoryTable('SELECT 1 FROM memory.idempotency_records WHERE principal = $1', [principal])).toHaveLength(1);
    const deleted = await api('DELETE', '/v1/account', { token: ada.token, body: { password: ada.password } });
    expect(deleted.status).toBe(202);
    await eventually(
      async () => ((await api('GET', `/v1/account/erasure/${deleted.body.erasure_id}`)).body.services?.memory === 'done' ? true : undefined),
      15_000,
      'the memory step',
    );
    expect(await memoryTable('SELECT 1 FROM memory.idempotency_records WHERE principal = $1', [principal])).toEqual([]);
  });

  it('erases the memories and spaces of the workspace the user was alone in before reporting the memory step done', async () => {
    const ada = await signUp();
    const workspaceId = ada.workspace.workspace_id;
    const key = (await mintKey(ada.token, workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    const marker = newMarker();
    await fillWithMarker(key, marker);
    const space = await api('POST', '/v1/context-spaces', { token: key, body: { name: `space ${marker}`, description: `about ${marker}`, tags: [marker] } });
    expect(space.status).toBe(201);
    await remember(key, { observation: `in the space: ${marker}`, space_id: space.body.space_id });
    // The scan can fail: before the erasure the marker is in the read models and the events.
    expect(await tablesHolding(marker)).toEqual(expect.arrayContaining(['context_spaces', 'events', 'idempotency_records', 'memories']));

    const deleted = await api('DELETE', '/v1/account', { token: ada.token, body: { password: ada.password } });
    expect(deleted.status).toBe(202);
    await eventually(
      async () => ((await api('GET', `/v1/account/erasure/${deleted.body.erasure_id}`)).body.services?.memory === 'done' ? true : undefined),
      20_000,
      'the memory step',
    );
    // `done` means gone: no waiting after it.
    expect(await tablesHolding(marker)).toEqual([]);
    const purges = await workspacePurges(workspaceId);
    expect(purges).toEqual([{ workspace_id: workspaceId, uuid: null, scope: 'workspace', erasure_id: expect.any(String) }]);
  });
});

describe('erasure of memory content', () => {
  it('deleting a memory removes its content from every table and the index at once, and redacts only its own events', async () => {
    const { key, workspaceId } = await memoryWorkspace();
    const marker = newMarker();
    const kept = newMarker();
    const { observation, document } = await fillWithMarker(key, marker);
    const sibling = await remember(key, { observation: `unrelated ${kept}` });
    expect(await tablesHolding(marker)).toEqual(expect.arrayContaining(['events', 'idempotency_records', 'memories']));
    expect((await search(key, { q: marker })).body.results).toHaveLength(2);

    for (const memory of [observation, document]) expect((await api('DELETE', `/v1/memories/${bare(memory.uuid)}`, { token: key })).status).toBe(204);

    expect(await tablesHolding(marker)).toEqual([]);
    expect((await search(key, { q: marker })).body).toEqual({ results: [], next_cursor: null });
    expect((await api('GET', `/v1/memories/${bare(document.uuid)}`, { token: key })).status).toBe(404);
    // The history stays (ids, kinds, versions), announced as purged; the sibling's content is untouched.
    expect(await eventTypes(`memory-${workspaceId}-${bare(document.uuid)}`)).toEqual(['memory.created', 'memory.updated', 'memory.deleted', 'memory.purged']);
    // Redaction nulls the content fields and keeps what is not content: ids, kind, numbers, the changed-field set.
    const [created, updated] = await memoryTable<{ data: Record<string, unknown> }>(
      'SELECT data FROM memory.events WHERE stream_id = $1 ORDER BY stream_version LIMIT 2',
      [`memory-${workspaceId}-${bare(document.uuid)}`],
    );
    expect(created.data).toMatchObject({ uuid: bare(document.uuid), observation: null, title: null, body_md: null, path: null, tags: [], importance: 5, confidence: 1 });
    expect(updated.data).toMatchObject({ uuid: bare(document.uuid), via: 'patch', changes: { title: null, body_md: null } });
    expect(await tablesHolding(kept)).toEqual(expect.arrayContaining(['events', 'memories']));
    expect((await search(key, { q: kept })).body.results.map((r: { memory: { uuid: string } }) => r.memory.uuid)).toEqual([sibling.uuid]);
  });

  it('the app role cannot rewrite or delete events; it can only redact through the narrow function', async () => {
    const grants = await memoryTable<{ privilege_type: string }>(
      `SELECT privilege_type FROM information_schema.role_table_grants
       WHERE grantee = 'memory_app' AND table_schema = 'memory' AND table_name = 'events' ORDER BY privilege_type`,
    );
    expect(grants.map((g) => g.privilege_type)).toEqual(['INSERT', 'SELECT']);
    const columnGrants = await memoryTable(
      `SELECT 1 FROM information_schema.column_privileges WHERE grantee = 'memory_app' AND table_schema = 'memory' AND table_name = 'events' AND privilege_type = 'UPDATE'`,
    );
    expect(columnGrants).toEqual([]);
    const [definer] = await memoryTable<{ secdef: boolean; owner: string; app_may_run: boolean; public_may_run: boolean }>(
      `SELECT p.prosecdef AS secdef, pg_get_userbyid(p.proowner) AS owner,
              has_function_privilege('memory_app', p.oid, 'EXECUTE') AS app_may_run,
              EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0) AS public_may_run
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'memory' AND p.proname = 'redact_stored_content'`,
    );
    expect(definer).toEqual({ secdef: true, owner: 'memory_owner', app_may_run: true, public_may_run: false });
  });

  it('DELETE /v1/workspaces/:id erases the workspace’s memories and spaces; memory.purged carries its erasure id', async () => {
    const { key, workspaceId, owner } = await memoryWorkspace();
    const admin = (await mintKey(owner.token, workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    const marker = newMarker();
    await fillWithMarker(key, marker);
    const space = await api('POST', '/v1/context-spaces', { token: admin, body: { name: `space ${marker}`, tags: [marker] } });
    expect(space.status).toBe(201);
    await remember(admin, { observation: `spaced ${marker}`, space_id: space.body.space_id });
    expect(await tablesHolding(marker)).toEqual(expect.arrayContaining(['context_spaces', 'events', 'memories']));

    const deleted = await api('DELETE', `/v1/workspaces/${workspaceId}`, { token: owner.token, body: { confirm_slug: owner.workspace.slug } });
    expect(deleted.status).toBe(202);
    const purges = await eventually(async () => {
      const found = await workspacePurges(workspaceId);
      return found.length > 0 ? found : undefined;
    }, 20_000, 'the workspace purge');
    expect(purges).toEqual([{ workspace_id: workspaceId, uuid: null, scope: 'workspace', erasure_id: deleted.body.erasure_id }]);
    expect(await tablesHolding(marker)).toEqual([]);
    const answer = await search(key, { q: marker });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(answer.body)).not.toContain(marker);
  });

  it('a deleted workspace (workspace.deleted from the workspaces stream) loses every memory and space, exactly once', async () => {
    const { key, workspaceId, owner } = await memoryWorkspace();
    const admin = (await mintKey(owner.token, workspaceId, ['memory:read', 'memory:write', 'spaces:admin'])).key;
    const marker = newMarker();
    await fillWithMarker(key, marker);
    const space = await api('POST', '/v1/context-spaces', { token: admin, body: { name: `space ${marker}`, description: `about ${marker}` } });
    expect(space.status).toBe(201);
    await remember(admin, { observation: `spaced ${marker}`, space_id: space.body.space_id });
    const other = await memoryWorkspace();
    const untouched = newMarker();
    await remember(other.key, { observation: `another tenant ${untouched}` });
    expect(await tablesHolding(marker)).toEqual(expect.arrayContaining(['context_spaces', 'events', 'memories']));

    // The workspaces service's event, as its outbox relay publishes it (same subject, envelope and message id);
    // published twice, as a relay re-publish after a crash outside the duplicate window would be.
    const rpc = await connectTestRpc();
    const erasureId = `test-erasure-${randomBytes(8).toString('hex')}`;
    const names = new NatsNames(testStack().natsPrefix);
    const event = {
      id: uuidv7(),
      type: 'workspace.deleted',
      schemaVersion: 1,
      streamId: `workspace-${workspaceId}`,
      streamVersion: 99,
      workspaceId: String(workspaceId),
      actor: 'system:test',
      occurredAt: new Date().toISOString(),
      data: { workspace_id: workspaceId, organization_id: owner.organization.id, erasure_id: erasureId },
    };
    try {
      const js = jetstream(rpc.nc);
      await js.publish(names.event('workspaces', 'workspace', 'deleted'), JSON.stringify(event), { msgID: event.id });
      await js.publish(names.event('workspaces', 'workspace', 'deleted'), JSON.stringify(event), { msgID: `${event.id}-again` });
    } finally {
      await rpc.close();
    }

    await eventually(async () => ((await workspacePurges(workspaceId)).length > 0 ? true : undefined), 20_000, 'the workspace purge');
    expect(await tablesHolding(marker)).toEqual([]);
    // The workspace is gone for the API too (its keys stop working); nothing it answers carries the content.
    for (const answer of [await search(key, { q: marker }), await api('GET', '/v1/context-spaces', { token: admin })]) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(answer.body)).not.toContain(marker);
    }
    expect(await tablesHolding(untouched)).toEqual(expect.arrayContaining(['events', 'memories']));
    // Both deliveries were handled (the inbox and the purge record make the second a no-op): one purge event.
    await eventually(
      async () => ((await memoryTable(`SELECT 1 FROM memory.inbox WHERE consumer = 'memory.workspace-erasure' AND event_id = $1`, [event.id])).length === 1 ? true : undefined),
      10_000,
      'the inbox row',
    );
    expect(await workspacePurges(workspaceId)).toEqual([{ workspace_id: workspaceId, uuid: null, scope: 'workspace', erasure_id: erasureId }]);
  });
});
