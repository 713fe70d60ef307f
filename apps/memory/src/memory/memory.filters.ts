import { AGENT_ID_PATTERN, MEMORY_LIMITS, MnemoError } from '@mnemo/contracts';
import { belowPrefixPattern, normalizePathPrefix } from './memory-path';
import { characterCount } from './memory.input';

/** Filters shared by the list and search: each is applied exactly, or refused. `space_id` is already resolved. */
export function applyMemoryFilters(
  filters: { agent_id?: string; path_prefix?: string; space_id?: string; tags?: string[] | { any?: string[]; all?: string[] } },
  where: string[],
  params: unknown[],
): void {
  if (filters.agent_id !== undefined) {
    if (typeof filters.agent_id !== 'string' || !AGENT_ID_PATTERN.test(filters.agent_id)) {
      throw new MnemoError('VALIDATION_ERROR', 'agent_id must be 1 to 64 characters of [A-Za-z0-9._:-]', { field: 'agent_id' });
    }
    where.push('agent_id = ?');
    params.push(filters.agent_id);
  }
  if (filters.path_prefix !== undefined) {
    const normalized = normalizePathPrefix(filters.path_prefix);
    if ('problem' in normalized) throw new MnemoError('VALIDATION_ERROR', normalized.problem, { field: 'path_prefix' });
    if (normalized.prefix === '/') where.push('path IS NOT NULL');
    else {
      where.push(`(path = ? OR path LIKE ?)`);
      params.push(normalized.prefix, belowPrefixPattern(normalized.prefix));
    }
  }
  if (filters.space_id !== undefined) {
    // Resolved by the handler (resolveSpaceFilter): a space the caller may read, else it answered 404.
    where.push('space_id = ?');
    params.push(filters.space_id);
  }
  const tags = filters.tags;
  if (Array.isArray(tags)) {
    if (tags.length > MEMORY_LIMITS.maxTags || tags.some((tag) => typeof tag !== 'string' || characterCount(tag) > MEMORY_LIMITS.tagChars)) {
      throw new MnemoError('VALIDATION_ERROR', `tags must be at most ${MEMORY_LIMITS.maxTags} tags of at most ${MEMORY_LIMITS.tagChars} characters`, { field: 'tags' });
    }
    if (tags.length > 0) {
      where.push('tags && ARRAY(SELECT jsonb_array_elements_text(?::jsonb))');
      params.push(JSON.stringify(tags));
    }
  } else if (tags) {
    if (tags.any && tags.any.length > 0) {
      where.push('tags && ARRAY(SELECT jsonb_array_elements_text(?::jsonb))');
      params.push(JSON.stringify(tags.any));
    }
    if (tags.all && tags.all.length > 0) {
      where.push('tags @> ARRAY(SELECT jsonb_array_elements_text(?::jsonb))');
      params.push(JSON.stringify(tags.all));
    }
  }
}
