/**
 * Migration 0008 on a database written before it: streams `memory-<uuid>` / `space-<uuid>` are renamed with their
 * workspace (events and unpublished outbox rows), rows keep their content, and afterwards one uuid can live in two
 * workspaces, each changed through its own stream and row only.
 */
import { v7 as uuidv7 } from 'uuid';
import type { MikroORM } from '@mikro-orm/postgresql';
import { NatsNames, type MemoryCreated, type MnemoConfig, type NewEvent, type SpaceCreated } from '@mnemo/contracts';
import { EventStore, migrateService, openServiceOrm, prepareServiceDatabase } from '@mnemo/event-store';
import { cleanUpIsolated, isolatedConfig } from '@mnemo/testing';
import { memoryStreamId } from '../src/memory/memory.decide';
import { projectMemoryEvents } from '../src/memory/memory.projection';
import { MemoriesReadModel } from '../src/migrations/0002-memories';
import { ContextSpacesReadModel } from '../src/migrations/0003-context-spaces';
import { UsageAndStandings } from '../src/migrations/0004-usage-and-standings';
import { AuditLogTables } from '../src/migrations/0005-audit-log';
import { SearchTrigram } from '../src/migrations/0006-search-trigram';
import { ErasureAndExport } from '../src/migrations/0007-erasure-and-export';
import { IdsPerWorkspace } from '../src/migrations/0008-ids-per-workspace';
import { spaceStreamId } from '../src/space/space.decide';
import { projectSpaceEvents } from '../src/space/space.projection';

/** apps/memory/src/main.ts's migrations, without and with 0008. */
const BEFORE = [
  { name: '0002_memories', class: MemoriesReadModel },
  { name: '0003_context_spaces', class: ContextSpacesReadModel },
  { name: '0004_usage_and_standings', class: UsageAndStandings },
  { name: '0005_audit_log', class: AuditLogTables },
  { name: '0006_search_trigram', class: SearchTrigram },
  { name: '0007_erasure_and_export', class: ErasureAndExport },
];
const AFTER = [...BEFORE, { name: '0008_ids_per_workspace', class: IdsPerWorkspace }];

function memoryCreated(workspaceId: number, uuid: string, observation: string): NewEvent {
  const data: MemoryCreated = {
    workspace_id: workspaceId, uuid, observation, title: null, body_md: null, path: null, tags: ['t'], importance: 5, confidence: 1,
    agent_id: null, space_id: null, expires_at: null,
  };
  return { type: 'memory.created', data } as unknown as NewEvent;
}

function spaceCreated(ownerWorkspaceId: number, spaceId: string, name: string): NewEvent {
  const data: SpaceCreated = { space_id: spaceId, owner_workspace_id: ownerWorkspaceId, name, description: null, allowed_agent_ids: [], allowed_tenant_ids: [], tags: [] };
  return { type: 'space.created', data } as unknown as NewEvent;
}

describe('migration 0008: ids unique per workspace', () => {
  let config: MnemoConfig;
  let orm: MikroORM | undefined;

  beforeAll(async () => {
    config = isolatedConfig('memory');
    await prepareServiceDatabase(config, 'memory');
    await migrateService(config, 'memory', BEFORE);
    orm = await openServiceOrm(config, 'memory');
  });

  afterAll(async () => {
    await orm?.close(true);
    if (config) await cleanUpIsolated(config);
  });

  it('renames the old streams with their workspace, keeps the rows, and lets one id live in two workspaces', async () => {
    const store = new EventStore(orm!, new NatsNames(config.natsPrefix), 'memory');
    const uuid = uuidv7();
    const spaceId = uuidv7();
    const owner = { workspaceId: '7' };
    await store.appendToStream(`memory-${uuid}`, 0, [memoryCreated(7, uuid, 'written before 0008')], { owner, actor: 'test', project: projectMemoryEvents });
    await store.appendToStream(`space-${spaceId}`, 0, [spaceCreated(7, spaceId, 'old space')], { owner, actor: 'test', project: projectSpaceEvents });

    expect(await migrateService(config, 'memory', AFTER)).toEqual(['0008_ids_per_workspace']);

    const em = orm!.em.fork();
    const streams = await em.execute<{ stream_id: string }[]>(`SELECT DISTINCT stream_id FROM events ORDER BY stream_id`);
    expect(streams.map((row) => row.stream_id)).toEqual([memoryStreamId(7, uuid), spaceStreamId(7, spaceId)].sort());
    // Not yet published (no relay here): the outbox names the new streams too.
    const outbox = await em.execute<{ stream_id: string }[]>(`SELECT payload ->> 'streamId' AS stream_id FROM outbox ORDER BY position`);
    expect(outbox.map((row) => row.stream_id)).toEqual([memoryStreamId(7, uuid), spaceStreamId(7, spaceId)]);
    expect((await store.readStream(memoryStreamId(7, uuid), em)).map((event) => event.type)).toEqual(['memory.created']);
    expect(await store.readStream(`memory-${uuid}`, em)).toEqual([]);

    // The same ids in workspace 8: new streams and rows beside workspace 7's.
    await store.appendToStream(memoryStreamId(8, uuid), 0, [memoryCreated(8, uuid, 'the same uuid elsewhere')], { owner: { workspaceId: '8' }, actor: 'test', project: projectMemoryEvents });
    await store.appendToStream(spaceStreamId(8, spaceId), 0, [spaceCreated(8, spaceId, 'the same id elsewhere')], { owner: { workspaceId: '8' }, actor: 'test', project: projectSpaceEvents });
    // Changes reach only their own workspace's row.
    await store.appendToStream(memoryStreamId(8, uuid), 1, [{ type: 'memory.deleted', data: { workspace_id: 8, uuid } }], { owner: { workspaceId: '8' }, actor: 'test', project: projectMemoryEvents });
    await store.appendToStream(spaceStreamId(8, spaceId), 1, [{ type: 'space.updated', data: { space_id: spaceId, changes: { name: 'renamed by 8' } } }], {
      owner: { workspaceId: '8' },
      actor: 'test',
      project: projectSpaceEvents,
    });
    expect(await em.execute(`SELECT workspace_id, observation FROM memories WHERE id = ? ORDER BY workspace_id`, [uuid])).toEqual([{ workspace_id: 7, observation: 'written before 0008' }]);
    expect(await em.execute(`SELECT owner_workspace_id, name FROM context_spaces WHERE id = ? ORDER BY owner_workspace_id`, [spaceId])).toEqual([
      { owner_workspace_id: 7, name: 'old space' },
      { owner_workspace_id: 8, name: 'renamed by 8' },
    ]);
  });
});
