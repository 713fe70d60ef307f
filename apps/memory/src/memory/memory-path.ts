import { MEMORY_LIMITS, PATH_SEGMENT_PATTERN } from '@mnemo/contracts';

/**
 * Memory paths are normalised: lowercase segments of `[a-z0-9._-]`, joined by `/` after one leading `/`.
 * `.`, `..` and empty segments are refused rather than resolved, so two spellings never name one document
 * by accident. Answers the normalised path, or a problem in words.
 */
export function normalizeMemoryPath(raw: string): { path: string } | { problem: string } {
  if (raw.length > MEMORY_LIMITS.pathChars * 2) return { problem: `path must be at most ${MEMORY_LIMITS.pathChars} characters` };
  const lowered = raw.trim().toLowerCase();
  const body = lowered.startsWith('/') ? lowered.slice(1) : lowered;
  if (body === '') return { problem: 'path must name at least one segment' };
  const segments = body.split('/');
  for (const segment of segments) {
    if (segment === '') return { problem: 'path must not have empty segments (// or a trailing /)' };
    if (segment === '.' || segment === '..') return { problem: 'path must not have . or .. segments' };
    if (!PATH_SEGMENT_PATTERN.test(segment)) return { problem: 'path segments must be lowercase letters, digits, ".", "_" or "-"' };
  }
  const path = `/${segments.join('/')}`;
  if (path.length > MEMORY_LIMITS.pathChars) return { problem: `path must be at most ${MEMORY_LIMITS.pathChars} characters` };
  return { path };
}

/**
 * A path prefix for filters: normalised like a path, a trailing `/` allowed; `/` alone is every path.
 * A prefix matches whole segments: `/workspace/team` does not match `/workspace/teams/x`.
 */
export function normalizePathPrefix(raw: string): { prefix: string } | { problem: string } {
  const trimmed = raw.trim();
  if (trimmed === '/' || trimmed === '') return { prefix: '/' };
  const normalized = normalizeMemoryPath(trimmed.endsWith('/') ? trimmed.slice(0, -1) : trimmed);
  return 'path' in normalized ? { prefix: normalized.path } : { problem: normalized.problem.replace(/^path/, 'path_prefix') };
}

/** The SQL LIKE pattern of everything strictly below a prefix, with LIKE's wildcards escaped (`_` is legal in segments). */
export function belowPrefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
}
