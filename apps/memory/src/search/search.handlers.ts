import { createHash } from 'node:crypto';
import { Controller, Inject } from '@nestjs/common';
import canonicalize from 'canonicalize';
import {
  AGENT_ID_PATTERN,
  MEMORY_LIMITS,
  MEMORY_RPC,
  memoryUrn,
  MnemoError,
  TEAM_PATH_PREFIX,
  type BuildContextReply,
  type BuildContextRequest,
  type ListTeamsReply,
  type MemoryCaller,
  type SearchMemoriesReply,
  type SearchMemoriesRequest,
  type SearchResult,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { characterCount, parseZonedTime } from '../memory/memory.input';
import { encodedSize, LIVE, loadVisibleMemories, PAGE_BYTE_BUDGET, toMemoryResource } from '../memory/memory.rows';
import { belowPrefixPattern } from '../memory/memory-path';
import { checkCaller, decodeCursor, encodeCursor, pageLimit } from '../requests';
import { visibleMemoriesSql } from '../space/space.access';
import { resolveSpaceFilter } from '../space/space.rows';
import { buildContextText } from './context-text';
import { RecallCounter } from './recall-counter';
import { queryTerms, SearchIndex, type SearchFilters } from './search-index';
import { UsageMeter } from '../usage/usage-meter';

const SEARCH_FIELDS = ['caller', 'q', 'tags', 'agent_id', 'space_id', 'path_prefix', 'created_after', 'created_before', 'limit', 'cursor', 'continued'];
const CONTEXT_FIELDS = ['caller', 'q', 'path_prefix', 'space_id', 'limit', 'max_chars'];

function refuse(field: string, message: string): MnemoError {
  return new MnemoError('VALIDATION_ERROR', message, { field });
}

function unknownFilters(request: object, allowed: string[]): void {
  const unknown = Object.keys(request).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw refuse(unknown[0], `unknown filter: ${unknown.join(', ')}`);
}

function checkQuery(q: unknown): string[] {
  if (typeof q !== 'string' || q.trim() === '' || characterCount(q) > MEMORY_LIMITS.queryChars) {
    throw refuse('q', `q must be 1 to ${MEMORY_LIMITS.queryChars} characters`);
  }
  return queryTerms(q);
}

function checkTagList(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MEMORY_LIMITS.maxTags || !value.every((tag) => typeof tag === 'string' && tag.trim() !== '' && characterCount(tag) <= MEMORY_LIMITS.tagChars)) {
    throw refuse(field, `${field} must be a list of at most ${MEMORY_LIMITS.maxTags} tags of 1 to ${MEMORY_LIMITS.tagChars} characters`);
  }
  return value.map((tag: string) => tag.trim());
}

function checkTime(field: string, value: unknown): string {
  const at = parseZonedTime(value);
  if (!at) throw refuse(field, `${field} must be an ISO 8601 time with a zone (Z or ±hh:mm)`);
  return at.toISOString();
}

function checkFilters(request: Partial<SearchMemoriesRequest>): SearchFilters {
  const filters: SearchFilters = {};
  if (request.tags !== undefined) {
    if (typeof request.tags !== 'object' || request.tags === null || Array.isArray(request.tags)) throw refuse('tags', 'tags must be { any?: [...], all?: [...] }');
    unknownFilters(request.tags, ['any', 'all']);
    filters.tags = {};
    if (request.tags.any !== undefined) filters.tags.any = checkTagList('tags.any', request.tags.any);
    if (request.tags.all !== undefined) filters.tags.all = checkTagList('tags.all', request.tags.all);
  }
  if (request.agent_id !== undefined) {
    if (typeof request.agent_id !== 'string' || !AGENT_ID_PATTERN.test(request.agent_id)) throw refuse('agent_id', 'agent_id must be 1 to 64 characters of [A-Za-z0-9._:-]');
    filters.agent_id = request.agent_id;
  }
  if (request.path_prefix !== undefined) {
    if (typeof request.path_prefix !== 'string') throw refuse('path_prefix', 'path_prefix must be a string');
    filters.path_prefix = request.path_prefix;
  }
  if (request.space_id !== undefined) {
    if (typeof request.space_id !== 'string') throw refuse('space_id', 'space_id must be a space id');
    filters.space_id = request.space_id;
  }
  if (request.created_after !== undefined) filters.created_after = checkTime('created_after', request.created_after);
  if (request.created_before !== undefined) filters.created_before = checkTime('created_before', request.created_before);
  return filters;
}

/**
 * Search, context and teams: reads over the caller's workspace only; every recalled memory counts a recall.
 * A search or context call costs its workspace one retrieve unit (the usage gate); listing teams is free.
 */
@Controller()
export class SearchHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SearchIndex) private readonly index: SearchIndex,
    @Inject(RecallCounter) private readonly recalls: RecallCounter,
    @Inject(UsageMeter) private readonly usage: UsageMeter,
  ) {}

  /** Ranked: terms matched and relevance, then importance, then recency. A page stops early to stay under 1 MiB. */
  @RpcHandler('memory', MEMORY_RPC.searchMemories)
  async search(request: SearchMemoriesRequest): Promise<SearchMemoriesReply> {
    const caller = checkCaller(request.caller);
    unknownFilters(request, SEARCH_FIELDS);
    const terms = checkQuery(request.q);
    const filters = checkFilters(request);
    const limit = pageLimit(request.limit, MEMORY_LIMITS.searchLimit);
    // A cursor belongs to one query: reusing it with other terms or filters would skip or repeat results.
    const fingerprint = createHash('sha256')
      .update(canonicalize({ q: request.q, filters }) ?? '')
      .digest('base64url')
      .slice(0, 16);
    let after: string | undefined;
    if (request.cursor !== undefined) {
      const cursor = decodeCursor(request.cursor);
      if (cursor.q !== fingerprint || typeof cursor.p !== 'string') throw refuse('cursor', 'cursor is not valid for this query');
      after = cursor.p;
    }
    const em = this.runtime.orm.em.fork();
    if (filters.space_id !== undefined) filters.space_id = await resolveSpaceFilter(em, caller, filters.space_id);
    // One retrieve per call, paid by the caller's workspace, once the request is known to be valid; the gateway's
    // follow-up pages of the same call are not charged again.
    if (request.continued !== true) await this.usage.charge(caller, 'retrieves');
    const { hits, more } = await this.index.search(em, { workspaceId: caller.workspace_id, viewer: caller, terms, filters, limit, after });
    const rows = await loadVisibleMemories(em, caller, hits.map((hit) => hit.id));
    const results: SearchResult[] = [];
    let bytes = 0;
    for (const hit of hits) {
      const row = rows.get(hit.id);
      if (!row) continue;
      // This recall is counted (recall_count + 1); the stored column catches up within a second.
      const result: SearchResult = { memory: { ...toMemoryResource(row), recall_count: Number(row.recall_count) + 1 }, score: hit.score, matched: hit.matched };
      bytes += encodedSize(result);
      if (results.length > 0 && bytes > PAGE_BYTE_BUDGET) break;
      results.push(result);
    }
    this.recalls.note(caller.workspace_id, results.map((result) => result.memory.uuid.slice('urn:uuid:'.length)));
    const last = hits[results.length - 1];
    const next = last && (more || results.length < hits.length) ? encodeCursor({ q: fingerprint, p: last.cursor }) : null;
    return { results, next_cursor: next };
  }

  /** The best memories for a question, joined into one text an agent can put in its prompt. */
  @RpcHandler('memory', MEMORY_RPC.buildContext)
  async context(request: BuildContextRequest): Promise<BuildContextReply> {
    const caller = checkCaller(request.caller);
    unknownFilters(request, CONTEXT_FIELDS);
    const terms = checkQuery(request.q);
    const filters = checkFilters({ path_prefix: request.path_prefix, space_id: request.space_id });
    const limit = pageLimit(request.limit, MEMORY_LIMITS.contextLimit);
    const maxChars = pageLimit(request.max_chars, { min: 1, max: MEMORY_LIMITS.contextMaxChars, default: MEMORY_LIMITS.contextMaxChars }, 'max_chars');
    const em = this.runtime.orm.em.fork();
    if (filters.space_id !== undefined) filters.space_id = await resolveSpaceFilter(em, caller, filters.space_id);
    await this.usage.charge(caller, 'retrieves');
    const { hits } = await this.index.search(em, { workspaceId: caller.workspace_id, viewer: caller, terms, filters, limit });
    const rows = await loadVisibleMemories(em, caller, hits.map((hit) => hit.id));
    const found = hits.flatMap((hit) => {
      const row = rows.get(hit.id);
      return row ? [{ row, score: hit.score }] : [];
    });
    const { context, included } = buildContextText(
      found.map(({ row }) => row),
      maxChars,
    );
    const used = found.slice(0, included);
    this.recalls.note(caller.workspace_id, used.map(({ row }) => row.id));
    return {
      context,
      memories: used.map(({ row, score }) => ({ uuid: memoryUrn(row.id), path: row.path, title: row.title, score })),
    };
  }

  /** Teams are implicit: every slug with at least one live memory under `/workspace/teams/<slug>/`. */
  @RpcHandler('memory', MEMORY_RPC.listTeams)
  async teams(request: { caller: MemoryCaller }): Promise<ListTeamsReply> {
    const caller = checkCaller(request.caller);
    const visible = visibleMemoriesSql('memories', caller);
    const rows = await this.runtime.orm.em.fork().execute<{ slug: string; memory_count: string }[]>(
      `SELECT split_part(substr(path, ?), '/', 1) AS slug, count(*) AS memory_count
       FROM memories
       WHERE workspace_id = ? AND ${LIVE} AND ${visible.sql} AND path LIKE ? AND strpos(substr(path, ?), '/') > 1
       GROUP BY 1 ORDER BY 1`,
      [TEAM_PATH_PREFIX.length + 1, caller.workspace_id, ...visible.params, belowPrefixPattern(TEAM_PATH_PREFIX.slice(0, -1)), TEAM_PATH_PREFIX.length + 1],
    );
    return { teams: rows.map((row) => ({ slug: row.slug, memory_count: Number(row.memory_count) })) };
  }
}
