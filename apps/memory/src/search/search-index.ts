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
 * then recency. The PostgreSQL adapter is the default; an Elasticsearch adapter (a declared next step) must
 * pass the same contract suite and keep read-your-writes (index in the write path, refresh before answering).
 * Semantic search is a future adapter behind this port.
 */
export abstract class SearchIndex {
  abstract search(em: EntityManager, query: SearchQuery): Promise<{ hits: SearchHit[]; more: boolean }>;
  /** How many memories the query matches in all (for `total_count`). */
  abstract count(em: EntityManager, query: Omit<SearchQuery, 'limit' | 'after' | 'offset'>): Promise<number>;
}

/** Words of a query: letters and digits, lowercased, at most 32 distinct. */
export function queryTerms(q: string): string[] {
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].slice(0, 32);
}
