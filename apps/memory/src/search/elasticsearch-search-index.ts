import { Client, errors } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OnModuleDestroy } from '@nestjs/common';
import { MnemoError, type SearchableField } from '@mnemo/contracts';
import { normalizePathPrefix } from '../memory/memory-path';
import { agentGateSql } from '../space/space.access';
import { SearchIndex, type SearchHit, type SearchQuery } from './search-index';

/** Queue rows indexed per transaction while catching up. */
const CATCH_UP_BATCH = 1000;
/** How often workspaces nobody searches are caught up in the background. */
const BACKGROUND_CATCH_UP_MS = 2000;

const FIELDS = { title: 'title', tags: 'tags_text', content: 'content', path: 'path_text' } as const;

/** One shard, no replica: one node in development; a cluster raises replicas with the index settings API. */
const INDEX_SETTINGS: estypes.IndicesIndexSettings = { number_of_shards: 1, number_of_replicas: 0 };

/**
 * Text fields score with the `boolean` similarity (a match scores its boost, no term or corpus statistics): a
 * memory's score then depends on the memory and the query alone, as with ts_rank, so a keyset cursor stays valid
 * while other memories are written, and no workspace's texts weigh on another's ranking.
 */
const MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    workspace_id: { type: 'integer' },
    title: { type: 'text', analyzer: 'english', similarity: 'boolean' },
    tags: { type: 'keyword' },
    tags_text: { type: 'text', analyzer: 'english', similarity: 'boolean' },
    content: { type: 'text', analyzer: 'english', similarity: 'boolean' },
    is_document: { type: 'boolean' },
    path: { type: 'keyword' },
    path_text: { type: 'text', analyzer: 'english', similarity: 'boolean' },
    importance: { type: 'integer' },
    agent_id: { type: 'keyword' },
    space_id: { type: 'keyword' },
    // Microseconds, as PostgreSQL keeps them: recency orders and created_after/before compare like the default adapter.
    expires_at: { type: 'date_nanos' },
    created_at: { type: 'date_nanos' },
    updated_at: { type: 'date_nanos' },
  },
};

interface IndexedMemory {
  id: string;
  workspace_id: number;
  title: string | null;
  tags: string[];
  tags_text: string;
  content: string;
  is_document: boolean;
  path: string | null;
  path_text: string;
  importance: number;
  agent_id: string | null;
  space_id: string | null;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * A memory's document id. A uuid is unique per workspace only (migration 0008: an export imported into another
 * workspace keeps its uuids), so the document id names the workspace too.
 */
export function documentIdOf(workspaceId: number, memoryId: string): string {
  return `${workspaceId}:${memoryId}`;
}

function cursorOf(sort: estypes.SortResults | undefined): string {
  return JSON.stringify(sort ?? []);
}

function parseCursor(raw: string): estypes.SortResults {
  try {
    const sort = JSON.parse(raw) as unknown;
    if (Array.isArray(sort) && sort.length === 4 && sort.every((value) => typeof value === 'number' || typeof value === 'string')) return sort;
  } catch {
    // refused below
  }
  throw new MnemoError('VALIDATION_ERROR', 'cursor is not valid', { field: 'cursor' });
}

/**
 * The Elasticsearch adapter (ELASTICSEARCH_URL), one index per NATS prefix (`<prefix>_memories_v2`; document ids
 * `<workspace_id>:<uuid>`). `_v2` because the ids of `<prefix>_memories` (before migration 0008) were bare uuids:
 * the new index is filled from the queue at start (a new index requeues every memory), the old one is no longer
 * read and may be dropped by an operator once no older replica runs.
 *
 * Sync: PostgreSQL stays the system of record. While this adapter runs, a trigger (migration 0006) records every
 * changed memory in `search_index_queue` inside the write's own transaction, so no committed write can be
 * missed and no uncommitted one indexed. Before a search answers, the adapter indexes its workspace's queued
 * memories (their current rows, or a delete when the row is gone) with `refresh: wait_for`, and removes the
 * queue rows in the same transaction; concurrent searches of the workspace wait on those rows' locks. That is
 * read-your-writes: a write acknowledged before a search started is in the index that search reads. Document
 * versions are the queue's sequence numbers (`external_gte`), so an older state never overwrites a newer one.
 * Workspaces nobody searches are caught up in the background every 2 s.
 *
 * Queries are always filtered by workspace; space visibility uses the ids of the workspace's spaces whose agent
 * gate the viewer passes (read from PostgreSQL per search). Ranking matches the default adapter: a constant 1 per
 * matched term plus field-weighted relevance saturated into (0, 1) (`_score / (1 + _score)`), then importance, recency, id.
 * Unlike the default adapter it does no trigram matching of misspelt terms.
 */
export class ElasticsearchSearchIndex extends SearchIndex implements OnModuleDestroy {
  readonly indexName: string;
  private readonly client: Client;
  private timer?: NodeJS.Timeout;
  private background?: Promise<void>;

  constructor(private readonly options: { url: string; indexPrefix: string; em: () => EntityManager }) {
    super();
    this.client = new Client({ node: options.url });
    this.indexName = `${options.indexPrefix.toLowerCase()}_memories_v2`;
  }

  /** Creates the index when missing and turns the queue on; a new index or a queue that was off means a full reindex. */
  async open(em: EntityManager): Promise<void> {
    let created = false;
    if (!(await this.client.indices.exists({ index: this.indexName }))) {
      try {
        await this.client.indices.create({ index: this.indexName, settings: INDEX_SETTINGS, mappings: MAPPINGS });
        created = true;
      } catch (error) {
        // Another replica created it first.
        if (!(error instanceof errors.ResponseError && error.body?.error?.type === 'resource_already_exists_exception')) throw error;
      }
    }
    await em.execute(
      `WITH switched AS (UPDATE search_index_sync SET enabled = true WHERE NOT enabled RETURNING 1)
       INSERT INTO search_index_queue (workspace_id, memory_id)
       SELECT workspace_id, id FROM memories WHERE ?::boolean OR EXISTS (SELECT 1 FROM switched)`,
      [created],
    );
    this.timer = setInterval(() => {
      this.background ??= this.catchUpAll()
        .catch(() => undefined)
        .finally(() => (this.background = undefined));
    }, BACKGROUND_CATCH_UP_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.background;
    await this.client.close();
  }

  /** Removes the index (tests and benchmarks clean up with it). */
  async drop(): Promise<void> {
    await this.client.indices.delete({ index: this.indexName, ignore_unavailable: true });
  }

  private async catchUpAll(): Promise<void> {
    const rows = await this.options.em().execute<{ workspace_id: number }[]>('SELECT DISTINCT workspace_id FROM search_index_queue LIMIT 100');
    for (const row of rows) await this.catchUp(this.options.em(), row.workspace_id);
  }

  /** Indexes the workspace's queued memories; returns when none is left that was committed before it started. */
  async catchUp(em: EntityManager, workspaceId: number): Promise<void> {
    for (;;) {
      const drained = await em.transactional(async (tx) => {
        const queued = await tx.execute<{ seq: string; memory_id: string }[]>(
          'SELECT seq, memory_id FROM search_index_queue WHERE workspace_id = ? ORDER BY seq LIMIT ? FOR UPDATE',
          [workspaceId, CATCH_UP_BATCH],
        );
        if (queued.length === 0) return 0;
        const latest = new Map<string, number>();
        for (const row of queued) latest.set(row.memory_id, Math.max(latest.get(row.memory_id) ?? 0, Number(row.seq)));
        const documents = await tx.execute<IndexedMemory[]>(
          `SELECT id, workspace_id, title, tags, pg_catalog.array_to_string(tags, ' ') AS tags_text, coalesce(observation, body_md, '') AS content,
                  body_md IS NOT NULL AS is_document, path, pg_catalog.translate(coalesce(path, ''), '/._-', '    ') AS path_text,
                  importance::int AS importance, agent_id, space_id, ${ISO('expires_at')} AS expires_at, ${ISO('created_at')} AS created_at, ${ISO('updated_at')} AS updated_at
           FROM memories WHERE workspace_id = ? AND id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
          [workspaceId, JSON.stringify([...latest.keys()])],
        );
        const byId = new Map(documents.map((document) => [document.id, document]));
        const operations: unknown[] = [];
        for (const [id, version] of latest) {
          const document = byId.get(id);
          const _id = documentIdOf(workspaceId, id);
          if (document) operations.push({ index: { _index: this.indexName, _id, version, version_type: 'external_gte' } }, document);
          else operations.push({ delete: { _index: this.indexName, _id, version, version_type: 'external' } });
        }
        const result = await this.client.bulk({ operations, refresh: 'wait_for' });
        if (result.errors) {
          for (const item of result.items) {
            const outcome = Object.values(item)[0];
            // An older version than the index holds (another catch-up was first), or a delete of what was never indexed.
            if (outcome?.error && outcome.status !== 409 && outcome.status !== 404) {
              throw new Error(`Elasticsearch refused a document: ${outcome.error.type}: ${outcome.error.reason ?? ''}`);
            }
          }
        }
        await tx.execute('DELETE FROM search_index_queue WHERE seq IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint)', [JSON.stringify(queued.map((row) => row.seq))]);
        return queued.length;
      });
      if (drained < CATCH_UP_BATCH) return;
    }
  }

  /** Workspace, liveness, the viewer's space gate and every filter, as Elasticsearch filters. */
  private async filters(em: EntityManager, query: Omit<SearchQuery, 'limit' | 'after' | 'offset'>): Promise<estypes.QueryDslQueryContainer[]> {
    const gate = agentGateSql('gate_space', query.viewer);
    const spaces = await em.execute<{ id: string }[]>(`SELECT id FROM context_spaces gate_space WHERE owner_workspace_id = ? AND ${gate.sql}`, [query.workspaceId, ...gate.params]);
    const filter: estypes.QueryDslQueryContainer[] = [
      { term: { workspace_id: query.workspaceId } },
      { bool: { should: [{ bool: { must_not: { exists: { field: 'expires_at' } } } }, { range: { expires_at: { gt: 'now' } } }], minimum_should_match: 1 } },
      { bool: { should: [{ bool: { must_not: { exists: { field: 'space_id' } } } }, { terms: { space_id: spaces.map((space) => space.id) } }], minimum_should_match: 1 } },
    ];
    const f = query.filters;
    if (f.agent_id !== undefined) filter.push({ term: { agent_id: f.agent_id } });
    if (f.space_id !== undefined) filter.push({ term: { space_id: f.space_id } });
    if (f.tags?.any && f.tags.any.length > 0) filter.push({ terms: { tags: f.tags.any } });
    for (const tag of f.tags?.all ?? []) filter.push({ term: { tags: tag } });
    if (f.path_prefix !== undefined) {
      const normalized = normalizePathPrefix(f.path_prefix);
      if ('problem' in normalized) throw new MnemoError('VALIDATION_ERROR', normalized.problem, { field: 'path_prefix' });
      if (normalized.prefix === '/') filter.push({ exists: { field: 'path' } });
      else filter.push({ bool: { should: [{ term: { path: normalized.prefix } }, { prefix: { path: `${normalized.prefix}/` } }], minimum_should_match: 1 } });
    }
    if (f.created_after !== undefined) filter.push({ range: { created_at: { gt: f.created_after } } });
    if (f.created_before !== undefined) filter.push({ range: { created_at: { lt: f.created_before } } });
    return filter;
  }

  /** 1 per matched term (named per field, for `matched`), plus relevance in (0, 1). */
  private static scoring(terms: string[]): estypes.QueryDslQueryContainer[] {
    const perTerm = terms.map(
      (term): estypes.QueryDslQueryContainer => ({
        constant_score: {
          boost: 1,
          filter: { bool: { should: Object.entries(FIELDS).map(([name, field]) => ({ match: { [field]: { query: term, _name: name } } })), minimum_should_match: 1 } },
        },
      }),
    );
    const relevance: estypes.QueryDslQueryContainer = {
      script_score: {
        query: { multi_match: { query: terms.join(' '), fields: [`${FIELDS.title}^4`, `${FIELDS.tags}^2`, `${FIELDS.content}^1`, `${FIELDS.path}^0.5`], type: 'most_fields' } },
        script: { source: '_score / (1 + _score)' },
      },
    };
    return [...perTerm, relevance];
  }

  private async request(em: EntityManager, query: Omit<SearchQuery, 'limit' | 'after' | 'offset'>): Promise<estypes.QueryDslQueryContainer> {
    await this.catchUp(em, query.workspaceId);
    const filter = await this.filters(em, query);
    return { bool: { filter, should: ElasticsearchSearchIndex.scoring(query.terms), minimum_should_match: 1 } };
  }

  async count(em: EntityManager, query: Omit<SearchQuery, 'limit' | 'after' | 'offset'>): Promise<number> {
    const result = await this.client.count({ index: this.indexName, query: await this.request(em, query) });
    return result.count;
  }

  async search(em: EntityManager, query: SearchQuery): Promise<{ hits: SearchHit[]; more: boolean }> {
    const result = await this.client.search<Pick<IndexedMemory, 'id' | 'is_document'>>({
      index: this.indexName,
      query: await this.request(em, query),
      // updated_at as a formatted string: its raw sort value (epoch nanoseconds) would lose digits in a JS number.
      sort: [{ _score: { order: 'desc' } }, { importance: { order: 'desc' } }, { updated_at: { order: 'desc', format: 'strict_date_optional_time_nanos' } }, { id: { order: 'desc' } }],
      size: query.limit + 1,
      ...(query.after !== undefined ? { search_after: parseCursor(query.after) } : { from: query.offset ?? 0 }),
      _source: ['id', 'is_document'],
      track_total_hits: false,
    });
    const rows = result.hits.hits;
    const hits = rows.slice(0, query.limit).map((hit): SearchHit => {
      const names = new Set(Array.isArray(hit.matched_queries) ? hit.matched_queries : Object.keys(hit.matched_queries ?? {}));
      const matched: SearchableField[] = [];
      if (names.has('title')) matched.push('title');
      if (names.has('content')) matched.push(hit._source?.is_document ? 'body_md' : 'observation');
      if (names.has('path')) matched.push('path');
      if (names.has('tags')) matched.push('tags');
      const score = (hit._score ?? 0) / (query.terms.length + 1);
      return { id: hit._source!.id, score: Math.round(score * 1e6) / 1e6, matched, cursor: cursorOf(hit.sort) };
    });
    return { hits, more: rows.length > query.limit };
  }
}
