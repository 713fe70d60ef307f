import type { EntityManager } from '@mikro-orm/postgresql';
import type { MemoryCaller, SearchableField } from '@mnemo/contracts';

/** Filters of a search, already validated; each one is applied exactly. */
export interface SearchFilters {
  agent_id?: string;
  path_prefix?: string;
  space_id?: string;
  tags?: { any?: string[]; all?: string[] };
  created_after?: string;
  created_before?: string;
}

export interface SearchQuery {
  workspaceId: number;
  /** Who reads: memories in spaces whose agent gate the reader fails are never hits. */
  viewer: Pick<MemoryCaller, 'agent_id' | 'scopes'>;
  /** Lowercased words of `q`, deduplicated; any of them matches (after stemming). */
  terms: string[];
  filters: SearchFilters;
  limit: number;
  /** The `cursor` of the last hit of the previous page. */
  after?: string;
  /** Or an offset into the ranked hits (space memories page by offset, as novyx does). */
  offset?: number;
}

export interface SearchHit {
  id: string;
  /** In (0, 1), ordered like the hits: terms matched, then relevance. */
  score: number;
  matched: SearchableField[];
  /** Resumes the search right after this hit. */
  cursor: string;
}

/**
 * Lexical search over a workspace's live memories, ranked by terms matched and relevance, then importance,
 * then recency; every filter applied exactly; only memories the viewer may see; a write is found by the next
 * search (read-your-writes). Two adapters pass the same contract suite (apps/memory/test/search-index.contract.ts):
 * PostgreSQL full-text search + pg_trgm (the default) and Elasticsearch (when ELASTICSEARCH_URL is set).
 * Semantic search is a future adapter behind this port.
 *
 * The `memories` table stays the system of record: the handlers load the hits from it, again scoped by
 * workspace, liveness and space gate, so an index is never trusted with the tenant boundary alone.
 */
export abstract class SearchIndex {
  /** Once at start, before the first search: the adapter prepares its index and says whether writes must be queued for it. */
  abstract open(em: EntityManager): Promise<void>;
  abstract search(em: EntityManager, query: SearchQuery): Promise<{ hits: SearchHit[]; more: boolean }>;
  /** How many memories the query matches in all (for `total_count`). */
  abstract count(em: EntityManager, query: Omit<SearchQuery, 'limit' | 'after' | 'offset'>): Promise<number>;
}

/** Words of a query: letters and digits, lowercased, at most 32 distinct. */
export function queryTerms(q: string): string[] {
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].slice(0, 32);
}
