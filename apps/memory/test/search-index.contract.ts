/**
 * The contract of the SearchIndex port, run against every adapter: by search-index.postgres.spec.ts always, by
 * search-index.elasticsearch.spec.ts where ELASTICSEARCH_URL is set. Each run migrates a fresh database with
 * the memory service's search tables; memories are written as the projection writes them (rows of `memories`,
 * in committed transactions), so an adapter sees exactly what it sees in production, triggers included.
 */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { MemoryCaller, MnemoConfig } from '@mnemo/contracts';
import { migrateService, openServiceOrm, prepareServiceDatabase } from '@mnemo/event-store';
import { cleanUpIsolated, isolatedConfig } from '@mnemo/testing';
import { MemoriesReadModel } from '../src/migrations/0002-memories';
import { ContextSpacesReadModel } from '../src/migrations/0003-context-spaces';
import { SearchTrigram } from '../src/migrations/0006-search-trigram';
import { queryTerms, type SearchFilters, type SearchHit, type SearchIndex, type SearchQuery } from '../src/search/search-index';

/** The memory migrations search depends on, as apps/memory/src/main.ts registers them. */
export const SEARCH_MIGRATIONS = [
  { name: '0002_memories', class: MemoriesReadModel },
  { name: '0003_context_spaces', class: ContextSpacesReadModel },
  { name: '0006_search_trigram', class: SearchTrigram },
];

export interface MemoryFixture {
  observation?: string;
  title?: string;
  body_md?: string;
  path?: string;
  tags?: string[];
  importance?: number;
  agent_id?: string;
  space_id?: string;
  expires_at?: string;
  created_at?: string;
  updated_at?: string;
}

export type Viewer = Pick<MemoryCaller, 'agent_id' | 'scopes'>;
export const UNBOUND: Viewer = { agent_id: null, scopes: ['memory:read', 'memory:write'] };

/** What a contract run works with: the adapter under test and a database of memories it indexes. */
export class SearchWorld {
  /** Every memory gets a later time than the one before, one second apart, unless the fixture says otherwise. */
  private clock = Date.parse('2026-01-01T00:00:00.000Z');
  private static nextWorkspace = 1;

  constructor(
    readonly orm: MikroORM,
    readonly index: SearchIndex,
  ) {}

  /** A workspace id no other test of this run uses. */
  workspace(): number {
    return SearchWorld.nextWorkspace++;
  }

  tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  /** Writes a memory row as the projection does (committed at once); answers its id. */
  async put(workspaceId: number, fixture: MemoryFixture): Promise<string> {
    const id = randomUUID();
    const at = fixture.created_at ?? this.tick();
    const observation = fixture.observation ?? (fixture.body_md === undefined ? 'untitled note' : null);
    await this.orm.em.fork().execute(
      `INSERT INTO memories (id, workspace_id, observation, title, body_md, path, tags, importance, confidence, agent_id, space_id, expires_at, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ARRAY(SELECT jsonb_array_elements_text(?::jsonb)), ?, 0.5, ?, ?, ?, 1, ?, ?)`,
      [
        id, workspaceId, observation, fixture.title ?? null, fixture.body_md ?? null, fixture.path ?? null, JSON.stringify(fixture.tags ?? []),
        fixture.importance ?? 5, fixture.agent_id ?? null, fixture.space_id ?? null, fixture.expires_at ?? null, at, fixture.updated_at ?? at,
      ],
    );
    return id;
  }

  async update(id: string, changes: { observation?: string; importance?: number; expires_at?: string }): Promise<void> {
    const sets = Object.keys(changes).map((column) => `${column} = ?`);
    await this.orm.em.fork().execute(`UPDATE memories SET ${[...sets, 'version = version + 1', 'updated_at = ?'].join(', ')} WHERE id = ?`, [
      ...Object.values(changes),
      this.tick(),
      id,
    ]);
  }

  async remove(id: string): Promise<void> {
    await this.orm.em.fork().execute('DELETE FROM memories WHERE id = ?', [id]);
  }

  /** A context space of `owner` whose agent gate lists `allowedAgents` (empty: open to every agent). */
  async space(owner: number, allowedAgents: string[] = []): Promise<string> {
    const id = randomUUID();
    await this.orm.em.fork().execute(
      `INSERT INTO context_spaces (id, owner_workspace_id, name, allowed_agent_ids, version, created_at, updated_at)
       VALUES (?, ?, 'space', ARRAY(SELECT jsonb_array_elements_text(?::jsonb)), 1, now(), now())`,
      [id, owner, JSON.stringify(allowedAgents)],
    );
    return id;
  }

  query(workspaceId: number, q: string, filters: SearchFilters = {}, viewer: Viewer = UNBOUND): Omit<SearchQuery, 'limit'> {
    return { workspaceId, viewer, terms: queryTerms(q), filters };
  }

  async hits(workspaceId: number, q: string, filters: SearchFilters = {}, options: { viewer?: Viewer; limit?: number } = {}): Promise<SearchHit[]> {
    const { hits } = await this.index.search(this.orm.em.fork(), { ...this.query(workspaceId, q, filters, options.viewer), limit: options.limit ?? 100 });
    return hits;
  }

  async ids(workspaceId: number, q: string, filters: SearchFilters = {}, viewer?: Viewer): Promise<string[]> {
    return (await this.hits(workspaceId, q, filters, { viewer })).map((hit) => hit.id);
  }

  /** Every page of a search with the cursor, `limit` at a time; `between` runs after each page. */
  async pages(query: Omit<SearchQuery, 'limit'>, limit: number, between?: (page: number) => Promise<void>): Promise<string[][]> {
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const { hits, more } = await this.index.search(this.orm.em.fork(), { ...query, limit, after });
      expect(hits.length).toBeLessThanOrEqual(limit);
      pages.push(hits.map((hit) => hit.id));
      if (!more) return pages;
      expect(hits).toHaveLength(limit);
      after = hits[hits.length - 1].cursor;
      await between?.(pages.length);
      if (pages.length > 100) throw new Error('paging does not end');
    }
  }
}

const sorted = (ids: string[]) => [...ids].sort();

export interface AdapterUnderTest {
  index: SearchIndex;
  /** Releases what the adapter holds (clients, its index). */
  close(): Promise<void>;
}

/**
 * Registers the contract's cases. `create` builds the adapter for the migrated database; `world` is handed to
 * adapter-specific cases the spec adds.
 */
export function searchIndexContract(adapter: string, create: (config: MnemoConfig, orm: MikroORM) => Promise<AdapterUnderTest>): { world: () => SearchWorld } {
  let config: MnemoConfig;
  let orm: MikroORM | undefined;
  let subject: AdapterUnderTest | undefined;
  let world: SearchWorld;

  beforeAll(async () => {
    config = isolatedConfig('memory');
    await prepareServiceDatabase(config, 'memory');
    await migrateService(config, 'memory', SEARCH_MIGRATIONS);
    orm = await openServiceOrm(config, 'memory');
    subject = await create(config, orm);
    await subject.index.open(orm.em.fork());
    world = new SearchWorld(orm, subject.index);
  });

  afterAll(async () => {
    await subject?.close();
    await orm?.close();
    if (config) await cleanUpIsolated(config);
  });

  describe(`SearchIndex contract (${adapter})`, () => {
    it('ranks by terms matched, then relevance, then importance, then recency; scores in (0, 1) follow the order', async () => {
      const ws = world.workspace();
      const oneTerm = await world.put(ws, { observation: 'The cluster was upgraded on Monday', importance: 10 });
      const allTerms = await world.put(ws, { observation: 'Deploying to the kubernetes cluster needs approval', importance: 1 });
      const twoTerms = await world.put(ws, { observation: 'We deployed the kubernetes operator', importance: 1 });
      await world.put(ws, { observation: 'Unrelated note about lunch', importance: 10 });
      const hits = await world.hits(ws, 'deploys Kubernetes clusters');
      expect(hits.map((hit) => hit.id)).toEqual([allTerms, twoTerms, oneTerm]);
      const scores = hits.map((hit) => hit.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(scores.every((score) => score > 0 && score < 1)).toBe(true);
      expect(new Set(scores).size).toBe(3);

      // One term each: where it is a title (more relevant) beats where it is in passing, whatever the importance.
      const inTitle = await world.put(ws, { title: 'Pelican migration', body_md: 'Notes on birds.', path: '/notes/birds.md', importance: 1 });
      const inPassing = await world.put(ws, { observation: 'a long note that mentions a pelican once among many other words about the harbour', importance: 9 });
      expect(await world.ids(ws, 'pelican')).toEqual([inTitle, inPassing]);

      // The same text: importance decides, then the more recent update.
      const low = await world.put(ws, { observation: 'walrus sighting at dawn', importance: 2 });
      const highOld = await world.put(ws, { observation: 'walrus sighting at dawn', importance: 7 });
      const highNew = await world.put(ws, { observation: 'walrus sighting at dawn', importance: 7 });
      expect(await world.ids(ws, 'walrus')).toEqual([highNew, highOld, low]);
      await world.update(highOld, { importance: 7 });
      expect(await world.ids(ws, 'walrus')).toEqual([highOld, highNew, low]);
    });

    it('applies every filter exactly, and counts what it would return', async () => {
      const ws = world.workspace();
      const space = await world.space(ws);
      const a = await world.put(ws, { observation: 'otter alpha', tags: ['x', 'y'], agent_id: 'agent-a', path: '/workspace/teams/platform/a.md', space_id: space });
      const b = await world.put(ws, { observation: 'otter beta', tags: ['x'], agent_id: 'agent-b', path: '/workspace/teams/platformx/b.md' });
      const c = await world.put(ws, { observation: 'otter gamma', tags: ['z'] });
      const d = await world.put(ws, { observation: 'otter delta', path: '/workspace/teams/platform' });
      const at = async (id: string) =>
        (await world.orm.em.fork().execute<{ created_at: string }[]>(`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at FROM memories WHERE id = ?`, [id]))[0].created_at;
      const cases: [SearchFilters, string[]][] = [
        [{}, [a, b, c, d]],
        [{ tags: { any: ['y', 'z'] } }, [a, c]],
        [{ tags: { all: ['x', 'y'] } }, [a]],
        [{ tags: { all: ['x'] } }, [a, b]],
        [{ tags: { any: ['x'], all: ['y'] } }, [a]],
        [{ tags: { any: ['nope'] } }, []],
        [{ agent_id: 'agent-b' }, [b]],
        [{ agent_id: 'agent-none' }, []],
        [{ space_id: space }, [a]],
        [{ space_id: randomUUID() }, []],
        // Whole segments: platform is not platformx; a document at the prefix itself is under it.
        [{ path_prefix: '/workspace/teams/platform' }, [a, d]],
        [{ path_prefix: '/workspace/teams/platform/' }, [a, d]],
        [{ path_prefix: '/WORKSPACE/Teams/' }, [a, b, d]],
        [{ path_prefix: '/workspace/team' }, []],
        [{ path_prefix: '/' }, [a, b, d]],
        // Strictly after / before.
        [{ created_after: await at(b) }, [c, d]],
        [{ created_before: await at(b) }, [a]],
        [{ created_after: await at(a), created_before: await at(c) }, [b]],
        [{ created_after: await at(a), tags: { any: ['x'] }, agent_id: 'agent-b', path_prefix: '/workspace' }, [b]],
      ];
      for (const [filters, expected] of cases) {
        const found = await world.ids(ws, 'otter', filters);
        expect([filters, sorted(found)]).toEqual([filters, sorted(expected)]);
        expect([filters, await world.index.count(world.orm.em.fork(), world.query(ws, 'otter', filters))]).toEqual([filters, expected.length]);
      }
    });

    it('says which fields matched, per result', async () => {
      const ws = world.workspace();
      const doc = await world.put(ws, { path: '/workspace/runbooks/rollback.md', title: 'Rollback runbook', body_md: 'How to undo a release', tags: ['ops'] });
      const obs = await world.put(ws, { observation: 'ops team owns rollback', tags: ['rollback'] });
      const matched = (hits: SearchHit[]) => Object.fromEntries(hits.map((hit) => [hit.id, [...hit.matched].sort()]));
      expect(matched(await world.hits(ws, 'rollback'))).toEqual({ [doc]: ['path', 'title'], [obs]: ['observation', 'tags'] });
      expect(matched(await world.hits(ws, 'release'))).toEqual({ [doc]: ['body_md'] });
      expect(matched(await world.hits(ws, 'ops runbooks'))).toEqual({ [doc]: ['path', 'tags', 'title'], [obs]: ['observation'] });
    });

    it('pages with the keyset cursor without duplicates or gaps, even when writes land between pages', async () => {
      const ws = world.workspace();
      const same = world.tick();
      const ids: string[] = [];
      // Ties on everything but the id, and runs of equal importance and time.
      for (let i = 0; i < 9; i++) ids.push(await world.put(ws, { observation: 'heron colony count', importance: 5, created_at: same }));
      for (let i = 0; i < 8; i++) ids.push(await world.put(ws, { observation: `heron colony ${'count '.repeat(i % 3)}`, importance: (i % 4) + 1 }));
      for (let i = 0; i < 6; i++) ids.push(await world.put(ws, { observation: 'heron', importance: 3 }));
      const query = world.query(ws, 'heron colony count');
      const all = (await world.hits(ws, 'heron colony count')).map((hit) => hit.id);
      expect(sorted(all)).toEqual(sorted(ids));
      for (const limit of [1, 4, 7, 23, 24]) {
        const pages = await world.pages(query, limit);
        expect(pages.flat()).toEqual(all);
        expect(pages.length).toBe(Math.max(1, Math.ceil(all.length / limit)));
      }
      // Offsets page the same order (space memories page this way).
      const byOffset: string[] = [];
      for (let offset = 0; offset < all.length; offset += 5) {
        byOffset.push(...(await world.index.search(world.orm.em.fork(), { ...query, limit: 5, offset })).hits.map((hit) => hit.id));
      }
      expect(byOffset).toEqual(all);

      // A memory that ranks first, written after the first page, is not seen by that paging and shifts nothing.
      let late = '';
      const pages = await world.pages(query, 5, async (page) => {
        if (page === 1) late = await world.put(ws, { observation: 'heron colony count count', importance: 10 });
      });
      expect(pages.flat()).toEqual(all);
      expect((await world.hits(ws, 'heron colony count'))[0].id).toBe(late);
    });

    it('reads its writes: created, changed, expired and deleted memories are seen at once by the next search', async () => {
      const ws = world.workspace();
      const id = await world.put(ws, { observation: 'the ibis nests by the lake' });
      expect(await world.ids(ws, 'ibis')).toEqual([id]);
      await world.update(id, { observation: 'the stork nests by the lake' });
      expect(await world.ids(ws, 'ibis')).toEqual([]);
      expect(await world.ids(ws, 'stork')).toEqual([id]);
      await world.update(id, { expires_at: new Date(Date.now() - 1000).toISOString() });
      expect(await world.ids(ws, 'stork')).toEqual([]);
      const soon = await world.put(ws, { observation: 'a stork for later', expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      expect(await world.ids(ws, 'stork')).toEqual([soon]);
      await world.remove(soon);
      expect(await world.ids(ws, 'stork')).toEqual([]);
      expect(await world.index.count(world.orm.em.fork(), world.query(ws, 'stork'))).toBe(0);
      // Many writes, then one search: all of them.
      const many = await Promise.all(Array.from({ length: 40 }, (_, i) => world.put(ws, { observation: `crane number ${i}` })));
      expect(sorted(await world.ids(ws, 'crane'))).toEqual(sorted(many));
    });

    it("never answers another workspace's memory, nor one in a space whose agent gate the viewer fails", async () => {
      const mine = world.workspace();
      const theirs = world.workspace();
      const own = await world.put(mine, { observation: 'secret puffin plan', path: '/workspace/plans/puffin.md' });
      const foreign = await world.put(theirs, { observation: 'secret puffin plan', path: '/workspace/plans/puffin.md' });
      const theirSpace = await world.space(theirs);
      // A row claiming the other workspace's space: never visible in mine (the space is not mine).
      await world.put(mine, { observation: 'secret puffin in a foreign space', space_id: theirSpace });
      expect(await world.ids(mine, 'secret puffin plan')).toEqual([own]);
      expect(await world.ids(theirs, 'puffin')).toEqual([foreign]);
      expect(await world.ids(mine, 'puffin', { space_id: theirSpace })).toEqual([]);
      expect(await world.index.count(world.orm.em.fork(), world.query(mine, 'puffin'))).toBe(1);
      expect(await world.ids(world.workspace(), 'puffin')).toEqual([]);

      const gated = await world.space(mine, ['bot-1']);
      const inGated = await world.put(mine, { observation: 'gated puffin census', space_id: gated });
      const open = await world.space(mine);
      const inOpen = await world.put(mine, { observation: 'open puffin census', space_id: open });
      const census = async (viewer: Viewer) => sorted(await world.ids(mine, 'census', {}, viewer));
      expect(await census({ agent_id: 'bot-1', scopes: ['memory:read'] })).toEqual(sorted([inGated, inOpen]));
      expect(await census({ agent_id: 'bot-2', scopes: ['memory:read'] })).toEqual([inOpen]);
      expect(await census({ agent_id: null, scopes: ['memory:read'] })).toEqual([inOpen]);
      expect(await census({ agent_id: null, scopes: ['memory:read', 'spaces:admin'] })).toEqual(sorted([inGated, inOpen]));
      expect(await world.index.count(world.orm.em.fork(), world.query(mine, 'census', {}, { agent_id: 'bot-2', scopes: ['memory:read'] }))).toBe(1);
    });

    it('matches any term after stemming; stop words alone match nothing', async () => {
      const ws = world.workspace();
      const running = await world.put(ws, { observation: 'She was running the marathons' });
      expect(await world.ids(ws, 'runs marathon')).toEqual([running]);
      expect(await world.ids(ws, 'the was')).toEqual([]);
    });
  });

  return { world: () => world };
}
