import { AGENT_ID_PATTERN, MEMORY_LIMITS, parseMemoryUuid, type MemoryContent } from '@mnemo/contracts';
import { normalizeMemoryPath } from './memory-path';

/** One thing wrong with a request field, as VALIDATION_ERROR details list it. */
export interface FieldProblem {
  field: string;
  problem: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/** A write, validated and normalised; `agent_id` is still the body's (the bound agent is applied by decide). */
export type ValidMemoryInput = MemoryContent;

const WRITE_FIELDS = ['observation', 'title', 'body_md', 'path', 'tags', 'importance', 'confidence', 'agent_id', 'space_id', 'expires_at'] as const;
const PATCH_FIELDS = ['observation', 'title', 'body_md', 'path', 'tags', 'importance', 'confidence', 'expires_at'] as const;

export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Length in characters as a person counts them (code points), not UTF-16 units. */
export function characterCount(value: string): number {
  return Array.from(value).length;
}

class Problems {
  readonly list: FieldProblem[] = [];
  add(field: string, problem: string): void {
    this.list.push({ field, problem });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(problems: Problems, field: string, value: unknown, maxBytes: number): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.add(field, `${field} must be a non-empty string`);
    return undefined;
  }
  if (utf8Bytes(value) > maxBytes) {
    problems.add(field, `${field} must be at most ${maxBytes} bytes (UTF-8)`);
    return undefined;
  }
  return value;
}

function title(problems: Problems, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.add('title', 'title must be a non-empty string');
    return undefined;
  }
  if (characterCount(value) > MEMORY_LIMITS.titleChars) {
    problems.add('title', `title must be at most ${MEMORY_LIMITS.titleChars} characters`);
    return undefined;
  }
  return value;
}

function path(problems: Problems, value: unknown): string | undefined {
  if (typeof value !== 'string') {
    problems.add('path', 'path must be a string');
    return undefined;
  }
  const normalized = normalizeMemoryPath(value);
  if ('problem' in normalized) {
    problems.add('path', normalized.problem);
    return undefined;
  }
  return normalized.path;
}

function tags(problems: Problems, value: unknown): string[] | undefined {
  if (!Array.isArray(value)) {
    problems.add('tags', 'tags must be a list of strings');
    return undefined;
  }
  if (value.length > MEMORY_LIMITS.maxTags) {
    problems.add('tags', `at most ${MEMORY_LIMITS.maxTags} tags`);
    return undefined;
  }
  const out: string[] = [];
  for (const tag of value) {
    if (typeof tag !== 'string' || tag.trim() === '' || characterCount(tag.trim()) > MEMORY_LIMITS.tagChars) {
      problems.add('tags', `each tag must be 1 to ${MEMORY_LIMITS.tagChars} characters`);
      return undefined;
    }
    if (!out.includes(tag.trim())) out.push(tag.trim());
  }
  return out;
}

function importance(problems: Problems, value: unknown): number | undefined {
  const { min, max } = MEMORY_LIMITS.importance;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.add('importance', `importance must be an integer from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

function confidence(problems: Problems, value: unknown): number | undefined {
  const { min, max } = MEMORY_LIMITS.confidence;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    problems.add('confidence', `confidence must be a number from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

function expiresAt(problems: Problems, value: unknown, now: Date): string | null | undefined {
  if (value === null) return null;
  const at = parseZonedTime(value);
  if (!at || Number.isNaN(at.getTime())) {
    problems.add('expires_at', 'expires_at must be an ISO 8601 time with a zone (Z or ±hh:mm)');
    return undefined;
  }
  if (at <= now) {
    problems.add('expires_at', 'expires_at must be in the future');
    return undefined;
  }
  return at.toISOString();
}

function unknownFields(problems: Problems, raw: Record<string, unknown>, allowed: readonly string[]): void {
  for (const field of Object.keys(raw)) if (!allowed.includes(field)) problems.add(field, `${field} is not a field of a memory write`);
}

/**
 * A new memory: content is an `observation`, or a `body_md` (with an optional `title`) at a `path`. Every limit
 * of API.md is checked here, for single and batch writes alike.
 */
export function checkMemoryInput(raw: unknown, now: Date): Checked<ValidMemoryInput> {
  const problems = new Problems();
  if (!isPlainObject(raw)) return { ok: false, problems: [{ field: '', problem: 'a memory must be a JSON object' }] };
  unknownFields(problems, raw, WRITE_FIELDS);
  const value: ValidMemoryInput = {
    observation: null,
    title: null,
    body_md: null,
    path: null,
    tags: [],
    importance: MEMORY_LIMITS.importance.default,
    confidence: MEMORY_LIMITS.confidence.default,
    agent_id: null,
    space_id: null,
    expires_at: null,
  };
  const has = (field: string) => raw[field] !== undefined && raw[field] !== null;
  if (has('observation')) value.observation = text(problems, 'observation', raw.observation, MEMORY_LIMITS.observationBytes) ?? null;
  if (has('body_md')) value.body_md = text(problems, 'body_md', raw.body_md, MEMORY_LIMITS.bodyMdBytes) ?? null;
  if (has('title')) value.title = title(problems, raw.title) ?? null;
  if (has('path')) value.path = path(problems, raw.path) ?? null;
  if (has('tags')) value.tags = tags(problems, raw.tags) ?? [];
  if (has('importance')) value.importance = importance(problems, raw.importance) ?? value.importance;
  if (has('confidence')) value.confidence = confidence(problems, raw.confidence) ?? value.confidence;
  if (has('agent_id')) {
    if (typeof raw.agent_id !== 'string' || !AGENT_ID_PATTERN.test(raw.agent_id)) {
      problems.add('agent_id', `agent_id must be 1 to ${MEMORY_LIMITS.agentIdChars} characters of [A-Za-z0-9._:-]`);
    } else value.agent_id = raw.agent_id;
  }
  if (has('space_id')) {
    const spaceId = parseMemoryUuid(raw.space_id);
    if (!spaceId) problems.add('space_id', 'space_id must be a space id (urn:uuid:<uuid>)');
    else value.space_id = spaceId;
  }
  if (raw.expires_at !== undefined) value.expires_at = expiresAt(problems, raw.expires_at, now) ?? null;
  if (has('observation') && has('body_md')) problems.add('body_md', 'send either observation or body_md, not both');
  if (!has('observation') && !has('body_md')) problems.add('observation', 'a memory needs content: observation, or body_md with a path');
  if (has('body_md') && !has('path')) problems.add('path', 'a body_md document needs a path');
  return problems.list.length > 0 ? { ok: false, problems: problems.list } : { ok: true, value };
}

/** A PATCH: only the fields sent; `null` clears `title`, `path` or `expires_at`. The kind of memory is fixed. */
export type ValidMemoryPatch = Partial<Pick<MemoryContent, 'observation' | 'title' | 'body_md' | 'path' | 'tags' | 'importance' | 'confidence' | 'expires_at'>>;

export function checkMemoryPatch(raw: unknown, now: Date): Checked<ValidMemoryPatch> {
  const problems = new Problems();
  if (!isPlainObject(raw)) return { ok: false, problems: [{ field: '', problem: 'a patch must be a JSON object' }] };
  unknownFields(problems, raw, PATCH_FIELDS);
  const patch: ValidMemoryPatch = {};
  if (raw.observation !== undefined) patch.observation = text(problems, 'observation', raw.observation, MEMORY_LIMITS.observationBytes);
  if (raw.body_md !== undefined) patch.body_md = text(problems, 'body_md', raw.body_md, MEMORY_LIMITS.bodyMdBytes);
  if (raw.title !== undefined) patch.title = raw.title === null ? null : title(problems, raw.title);
  if (raw.path !== undefined) patch.path = raw.path === null ? null : path(problems, raw.path);
  if (raw.tags !== undefined) patch.tags = tags(problems, raw.tags);
  if (raw.importance !== undefined) patch.importance = importance(problems, raw.importance);
  if (raw.confidence !== undefined) patch.confidence = confidence(problems, raw.confidence);
  if (raw.expires_at !== undefined) patch.expires_at = expiresAt(problems, raw.expires_at, now);
  return problems.list.length > 0 ? { ok: false, problems: problems.list } : { ok: true, value: patch };
}

/**
 * An ISO 8601 time that names its zone (`Z` or `±hh:mm`); undefined otherwise. A time without a zone would be
 * read in the server's own zone, so the same request could mean different instants on different machines.
 */
export function parseZonedTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
