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

/**
 * PostgreSQL full-text search on the `memories` read model: the `english` configuration stems terms, each term
 * becomes a tsquery and the query is their OR. Weights mark the fields (A title, B tags, C content, D path), so
 * `ts_filter` tells which fields matched. The search vector is kept by a trigger in the write transaction, so
 * a write is searchable by the next request. Ordering is a keyset: (terms matched, rank, importance,
 * updated_at, id), all descending; `ts_rank` is a float4 whose text form round-trips exactly.
 */
export class PostgresSearchIndex extends SearchIndex {
  /** The WHERE of the matching memories, over `memories m, query`. */
  private matching(query: Omit<SearchQuery, 'limit' | 'after' | 'offset'>): { where: string[]; params: unknown[] } {
    // Unqualified columns are the memory's: the `query` CTE only adds q and term_count.
    const visible = visibleMemoriesSql('m', query.viewer);
    const where = ['m.workspace_id = ?', LIVE, 'm.search_vector @@ query.q', visible.sql];
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

  async count(em: EntityManager, query: Omit<SearchQuery, 'limit' | 'after' | 'offset'>): Promise<number> {
    const { where, params } = this.matching(query);
    const [row] = await em.execute<{ count: string }[]>(
      `WITH ${QUERY_CTES} SELECT count(*) AS count FROM memories m, query WHERE ${where.join(' AND ')}`,
      [JSON.stringify(query.terms), ...params],
    );
    return Number(row.count);
  }

  async search(em: EntityManager, query: SearchQuery): Promise<{ hits: SearchHit[]; more: boolean }> {
    const { where, params } = this.matching(query);
    let after = '';
    const afterParams: unknown[] = [];
    if (query.after !== undefined) {
      const p = parsePosition(query.after);
      after = 'WHERE (terms_matched, rank, importance, updated_at, id) < (?::int, ?::real, ?::int, ?::timestamptz, ?::uuid)';
      afterParams.push(p.t, p.r, p.i, p.u, p.id);
    }
    const rows = await em.execute<RankedRow[]>(
      `WITH ${QUERY_CTES},
       ranked AS (
         SELECT m.id, m.importance::int AS importance, m.updated_at, m.search_vector, m.body_md IS NOT NULL AS is_document, query.q, query.term_count,
                (SELECT count(*) FROM usable u WHERE m.search_vector @@ u.q)::int AS terms_matched,
                ts_rank(m.search_vector, query.q) AS rank
         FROM memories m, query
         WHERE ${where.join(' AND ')}
       )
       SELECT id, terms_matched, term_count, rank, rank::text AS rank_text, importance, updated_at::text AS updated_text, is_document,
              ts_filter(search_vector, '{a}') @@ q AS title_matched,
              ts_filter(search_vector, '{b}') @@ q AS tags_matched,
              ts_filter(search_vector, '{c}') @@ q AS content_matched,
              ts_filter(search_vector, '{d}') @@ q AS path_matched
       FROM ranked ${after}
       ORDER BY terms_matched DESC, rank DESC, importance DESC, updated_at DESC, id DESC
       LIMIT ? OFFSET ?`,
      [JSON.stringify(query.terms), ...params, ...afterParams, query.limit + 1, query.offset ?? 0],
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
