import type { EntityManager } from '@mikro-orm/postgresql';
import { MnemoError, type SearchableField } from '@mnemo/contracts';
import { applyMemoryFilters } from '../memory/memory.filters';
import { LIVE } from '../memory/memory.rows';
import { visibleMemoriesSql } from '../space/space.access';
import { SearchIndex, type SearchHit, type SearchQuery } from './search-index';

/** Each term as its own stemmed tsquery (stop words dropped), and their OR. One parameter: the terms as JSON. */
const QUERY_CTES = `usable AS (
    SELECT q FROM (SELECT plainto_tsquery('english', t) AS q FROM jsonb_array_elements_text(?::jsonb) AS t) AS terms WHERE numnode(q) > 0
  ),
  query AS (
    SELECT coalesce((SELECT string_agg('(' || q::text || ')', ' | ') FROM usable), '')::tsquery AS q, (SELECT count(*) FROM usable)::int AS term_count
  )`;

interface RankedRow {
  id: string;
  terms_matched: number;
  term_count: number;
  rank: number;
  rank_text: string;
  importance: number;
  updated_text: string;
  title_matched: boolean;
  tags_matched: boolean;
  content_matched: boolean;
  path_matched: boolean;
  is_document: boolean;
}

interface Position {
  t: number;
  r: string;
  i: number;
  u: string;
  id: string;
}

function parsePosition(raw: string): Position {
  try {
    const p = JSON.parse(raw) as Position;
    if (Number.isInteger(p.t) && typeof p.r === 'string' && Number.isFinite(Number(p.r)) && Number.isInteger(p.i) && typeof p.u === 'string' && /^[0-9a-f-]{36}$/.test(p.id)) {
      return p;
    }
  } catch {
    // refused below
  }
  throw new MnemoError('VALIDATION_ERROR', 'cursor is not valid', { field: 'cursor' });
}

/** The text trigram matching looks at: the expression of the `memories_trigram` index (migration 0006). */
const TRIGRAM_TEXT = 'memory_trigram_text(m.title, m.tags, m.observation, m.body_md, m.path)';
/** `term <% text`: the term is similar to some word run of the text (pg_trgm's word_similarity ≥ 0.6). */
const SIMILAR = 'OPERATOR(extensions.<%)';
/**
 * Trigram similarity is in [0.6, 1] for a match; ts_rank of one matched term is about 0.03–0.1. Scaled down, a
 * close spelling ranks above a distant one without outweighing exact matches of the other terms.
 */
const SIMILARITY_WEIGHT = 0.1;
/** Terms shorter than this are not looked up by trigrams: two letters are similar to too much. */
const MIN_FUZZY_TERM_CHARS = 3;

/**
 * PostgreSQL full-text search on the `memories` read model: the `english` configuration stems terms, each term
 * becomes a tsquery and the query is their OR. Weights mark the fields (A title, B tags, C content, D path), so
 * `ts_filter` tells which fields matched. The search vector is kept by a trigger in the write transaction, so
 * a write is searchable by the next request.
 *
 * `pg_trgm` catches what stemming cannot: a term that no memory in scope contains (after the filters) is looked
 * up by trigram similarity instead (`kubernets`, `kube` find `kubernetes`), counts as a matched term where it is
 * similar, and adds its similarity to the relevance. Terms that full-text search finds are never fuzzed, so
 * exact matches keep their ranking and the trigram index is only read for the terms that need it.
 *
 * Ordering is a keyset: (terms matched, rank, importance, updated_at, id), all descending; the rank is a float4
 * whose text form round-trips exactly.
 */
export class PostgresSearchIndex extends SearchIndex {
  /**
   * The search vector and trigram index are kept in the write transaction; nothing is queued for another index.
   * Turning the Elasticsearch sync off also empties its queue: switching back later reindexes everything.
   */
  async open(em: EntityManager): Promise<void> {
    await em.execute(`WITH switched AS (UPDATE search_index_sync SET enabled = false WHERE enabled RETURNING 1)
                      DELETE FROM search_index_queue WHERE EXISTS (SELECT 1 FROM switched)`);
  }

  /**
   * The WHERE of the memories in scope (workspace, live, visible to the viewer, every filter), over `memories m`.
   * Unqualified columns are the memory's: the CTEs joined to it only add q and term_count.
   */
  private scope(query: Omit<SearchQuery, 'limit' | 'after' | 'offset'>): { where: string[]; params: unknown[] } {
    const visible = visibleMemoriesSql('m', query.viewer);
    const where = ['m.workspace_id = ?', LIVE, visible.sql];
    const params: unknown[] = [query.workspaceId, ...visible.params];
    const { created_after, created_before, ...filters } = query.filters;
    applyMemoryFilters(filters, where, params);
    if (created_after !== undefined) {
      where.push('m.created_at > ?::timestamptz');
      params.push(created_after);
    }
    if (created_before !== undefined) {
      where.push('m.created_at < ?::timestamptz');
      params.push(created_before);
    }
    return { where, params };
  }

  /** Terms with a tsquery (not stop words alone) that no memory in scope matches: these are matched by trigrams. */
  private async fuzzyTerms(em: EntityManager, terms: string[], scope: { where: string[]; params: unknown[] }): Promise<string[]> {
    const candidates = terms.filter((term) => [...term].length >= MIN_FUZZY_TERM_CHARS);
    if (candidates.length === 0) return [];
    const rows = await em.execute<{ term: string }[]>(
      `SELECT t.term FROM jsonb_array_elements_text(?::jsonb) AS t(term), plainto_tsquery('english', t.term) AS tq
       WHERE numnode(tq) > 0 AND NOT EXISTS (SELECT 1 FROM memories m WHERE ${scope.where.join(' AND ')} AND m.search_vector @@ tq)`,
      [JSON.stringify(candidates), ...scope.params],
    );
    return rows.map((row) => row.term);
  }

  /** The match condition over `memories m, query`: any term by full-text search, or a fuzzy term by trigrams. */
  private static matches(fuzzy: string[]): { sql: string; params: unknown[] } {
    const similar = fuzzy.map(() => `? ${SIMILAR} ${TRIGRAM_TEXT}`);
    return { sql: `(m.search_vector @@ query.q${similar.map((condition) => ` OR ${condition}`).join('')})`, params: fuzzy };
  }

  async count(em: EntityManager, query: Omit<SearchQuery, 'limit' | 'after' | 'offset'>): Promise<number> {
    const scope = this.scope(query);
    const fuzzy = await this.fuzzyTerms(em, query.terms, scope);
    const match = PostgresSearchIndex.matches(fuzzy);
    const [row] = await em.execute<{ count: string }[]>(
      `WITH ${QUERY_CTES} SELECT count(*) AS count FROM memories m, query WHERE ${scope.where.join(' AND ')} AND ${match.sql}`,
      [JSON.stringify(query.terms), ...scope.params, ...match.params],
    );
    return Number(row.count);
  }

  async search(em: EntityManager, query: SearchQuery): Promise<{ hits: SearchHit[]; more: boolean }> {
    const scope = this.scope(query);
    const fuzzy = await this.fuzzyTerms(em, query.terms, scope);
    const match = PostgresSearchIndex.matches(fuzzy);
    let after = '';
    const afterParams: unknown[] = [];
    if (query.after !== undefined) {
      const p = parsePosition(query.after);
      after = 'WHERE (terms_matched, rank, importance, updated_at, id) < (?::int, ?::real, ?::int, ?::timestamptz, ?::uuid)';
      afterParams.push(p.t, p.r, p.i, p.u, p.id);
    }
    // Per fuzzy term: whether it is similar to the memory's text, and how similar (for the rank).
    const fuzzyMatched = fuzzy.map(() => `(? ${SIMILAR} ${TRIGRAM_TEXT})::int`);
    const fuzzySimilarity = fuzzy.map(() => `CASE WHEN ? ${SIMILAR} ${TRIGRAM_TEXT} THEN extensions.word_similarity(?, ${TRIGRAM_TEXT}) ELSE 0 END`);
    // Which fields a fuzzy term is similar to, for `matched` (on the page's rows only).
    const fuzzyField = (column: string) => (fuzzy.length === 0 ? 'false' : `(${fuzzy.map(() => `? ${SIMILAR} ${column}`).join(' OR ')})`);
    const fieldColumns = {
      title: "coalesce(title, '')",
      tags: "pg_catalog.array_to_string(tags, ' ')",
      content: "coalesce(observation, body_md, '')",
      path: "pg_catalog.translate(coalesce(path, ''), '/._-', '    ')",
    };
    const rows = await em.execute<RankedRow[]>(
      `WITH ${QUERY_CTES},
       ranked AS (
         SELECT m.id, m.importance::int AS importance, m.updated_at, m.search_vector, m.body_md IS NOT NULL AS is_document, query.q, query.term_count,
                m.title, m.tags, m.observation, m.body_md, m.path,
                ((SELECT count(*) FROM usable u WHERE m.search_vector @@ u.q)${fuzzyMatched.map((e) => ` + ${e}`).join('')})::int AS terms_matched,
                (ts_rank(m.search_vector, query.q)${fuzzySimilarity.map((e) => ` + ${SIMILARITY_WEIGHT} * ${e}`).join('')})::real AS rank
         FROM memories m, query
         WHERE ${scope.where.join(' AND ')} AND ${match.sql}
       ),
       -- The page first; which fields matched is worked out for its rows only, not for every match.
       page AS (
         SELECT * FROM ranked ${after}
         ORDER BY terms_matched DESC, rank DESC, importance DESC, updated_at DESC, id DESC
         LIMIT ? OFFSET ?
       )
       SELECT id, terms_matched, term_count, rank, rank::text AS rank_text, importance, updated_at::text AS updated_text, is_document,
              ts_filter(search_vector, '{a}') @@ q OR ${fuzzyField(fieldColumns.title)} AS title_matched,
              ts_filter(search_vector, '{b}') @@ q OR ${fuzzyField(fieldColumns.tags)} AS tags_matched,
              ts_filter(search_vector, '{c}') @@ q OR ${fuzzyField(fieldColumns.content)} AS content_matched,
              ts_filter(search_vector, '{d}') @@ q OR ${fuzzyField(fieldColumns.path)} AS path_matched
       FROM page
       ORDER BY terms_matched DESC, rank DESC, importance DESC, updated_at DESC, id DESC`,
      [
        JSON.stringify(query.terms),
        ...fuzzy,
        ...fuzzy.flatMap((term) => [term, term]),
        ...scope.params,
        ...match.params,
        ...afterParams,
        query.limit + 1,
        query.offset ?? 0,
        ...fuzzy,
        ...fuzzy,
        ...fuzzy,
        ...fuzzy,
      ],
    );
    const hits = rows.slice(0, query.limit).map((row): SearchHit => {
      const matched: SearchableField[] = [];
      if (row.title_matched) matched.push('title');
      if (row.content_matched) matched.push(row.is_document ? 'body_md' : 'observation');
      if (row.path_matched) matched.push('path');
      if (row.tags_matched) matched.push('tags');
      const rank = Number(row.rank);
      // Terms matched dominate; relevance (rank / (1 + rank), below 1) breaks ties; scaled into (0, 1).
      const score = (row.terms_matched + rank / (1 + rank)) / (Number(row.term_count) + 1);
      const position: Position = { t: row.terms_matched, r: row.rank_text, i: row.importance, u: row.updated_text, id: row.id };
      return { id: row.id, score: Math.round(score * 1e6) / 1e6, matched, cursor: JSON.stringify(position) };
    });
    return { hits, more: rows.length > query.limit };
  }
}
