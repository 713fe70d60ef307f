import { IMPORT_LIMITS, MnemoError, parseMemoryUuid, type ErrorCode } from '@mnemo/contracts';
import { checkMemoryInput, type ValidMemoryInput } from '../memory/memory.input';
import { checkSpaceInput, type ValidSpaceInput } from '../space/space.input';

/** A space line of an import page, validated. `line` is its 1-based line number in the page. */
export interface ImportedSpace {
  line: number;
  id: string;
  settings: ValidSpaceInput;
  createdAt: string;
}

export interface ImportedMemory {
  line: number;
  id: string;
  input: ValidMemoryInput;
  createdAt: string;
  updatedAt: string;
  recallCount: number;
}

export interface ImportedPage {
  spaces: ImportedSpace[];
  memories: ImportedMemory[];
}

/** One thing wrong with a line. */
export interface LineProblem {
  line: number;
  field: string;
  problem: string;
}

/** A refusal that names the first bad line in its message and lists every problem (up to a bound) by line. */
export function lineRefusal(code: ErrorCode, problems: LineProblem[], extra: Record<string, unknown> = {}): MnemoError {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const first = sorted[0];
  const shown = sorted.slice(0, IMPORT_LIMITS.reportedProblems);
  const badLines = new Set(sorted.map((p) => p.line)).size;
  return new MnemoError(code, `line ${first.line}: ${first.field ? `${first.field}: ` : ''}${first.problem} (${badLines} line${badLines === 1 ? '' : 's'} refused; nothing was imported)`, {
    line: first.line,
    lines: shown,
    ...(sorted.length > shown.length ? { more: sorted.length - shown.length } : {}),
    ...extra,
  });
}

// What an export line holds besides the writable content: identity, times and read-only counters.
const SPACE_FIELDS = ['space_id', 'name', 'description', 'owner_tenant_id', 'allowed_agent_ids', 'allowed_tenant_ids', 'tags', 'created_at', 'memory_count'];
const MEMORY_IDENTITY_FIELDS = ['uuid', 'recall_count', 'created_at', 'updated_at'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/**
 * Parses and validates every line of a page (NDJSON, as GET /v1/export writes it) before anything is stored:
 * the limits of a write apply to each memory, novyx's to each space; ids must be unique within the page, as
 * must document paths. Blank lines are allowed (a trailing newline, say) and keep their numbers.
 */
export function parseImportPage(rawLines: string[], now: Date): ImportedPage {
  const problems: LineProblem[] = [];
  const page: ImportedPage = { spaces: [], memories: [] };
  const seenIds = new Map<string, number>();
  const seenPaths = new Map<string, number>();
  rawLines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const problem = (field: string, text: string) => problems.push({ line, field, problem: text });
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problem('', 'not valid JSON');
      return;
    }
    if (!isObject(value) || (value.type !== 'space' && value.type !== 'memory') || Object.keys(value).some((key) => key !== 'type' && key !== value.type)) {
      problem('type', 'a line must be {"type":"space","space":{…}} or {"type":"memory","memory":{…}}');
      return;
    }
    const firstUse = (id: string) => {
      const earlier = seenIds.get(id);
      if (earlier !== undefined) problem('id', `the id is on line ${earlier} already`);
      else seenIds.set(id, line);
    };
    if (value.type === 'space') {
      const space = value.space;
      if (!isObject(space)) return problem('space', 'space must be an object');
      for (const key of Object.keys(space)) if (!SPACE_FIELDS.includes(key)) problem(`space.${key}`, `${key} is not a field of a context space`);
      const id = parseMemoryUuid(space.space_id);
      if (!id) problem('space.space_id', 'space_id must be a space id (urn:uuid:<uuid>)');
      const createdAt = isoTime(space.created_at);
      if (!createdAt) problem('space.created_at', 'created_at must be an ISO 8601 time');
      const { name, description, allowed_agent_ids, allowed_tenant_ids, tags } = space;
      const settings = checkSpaceInput(
        Object.fromEntries(Object.entries({ name, description, allowed_agent_ids, allowed_tenant_ids, tags }).filter(([, v]) => v !== undefined)),
        'create',
      );
      if (!settings.ok) for (const p of settings.problems) problem(`space.${p.field}`, p.problem);
      if (id) firstUse(id);
      if (id && createdAt && settings.ok) page.spaces.push({ line, id, settings: settings.value, createdAt });
      return;
    }
    const memory = value.memory;
    if (!isObject(memory)) return problem('memory', 'memory must be an object');
    const id = parseMemoryUuid(memory.uuid);
    if (!id) problem('memory.uuid', 'uuid must be a memory id (urn:uuid:<uuid>)');
    const createdAt = isoTime(memory.created_at);
    if (!createdAt) problem('memory.created_at', 'created_at must be an ISO 8601 time');
    const updatedAt = memory.updated_at === undefined ? createdAt : isoTime(memory.updated_at);
    if (memory.updated_at !== undefined && !updatedAt) problem('memory.updated_at', 'updated_at must be an ISO 8601 time');
    const recallCount = memory.recall_count ?? 0;
    if (typeof recallCount !== 'number' || !Number.isInteger(recallCount) || recallCount < 0 || recallCount > 2 ** 31 - 1) {
      problem('memory.recall_count', 'recall_count must be a non-negative integer');
    }
    const content = Object.fromEntries(Object.entries(memory).filter(([key]) => !MEMORY_IDENTITY_FIELDS.includes(key)));
    const checked = checkMemoryInput(content, now);
    if (!checked.ok) for (const p of checked.problems) problem(`memory.${p.field}`, p.problem);
    if (id) firstUse(id);
    if (checked.ok && checked.value.path !== null) {
      const earlier = seenPaths.get(checked.value.path);
      if (earlier !== undefined) problem('memory.path', `line ${earlier} stores a document at this path already`);
      else seenPaths.set(checked.value.path, line);
    }
    if (id && createdAt && updatedAt && checked.ok && typeof recallCount === 'number') {
      page.memories.push({ line, id, input: checked.value, createdAt, updatedAt, recallCount });
    }
  });
  if (problems.length > 0) throw lineRefusal('VALIDATION_ERROR', problems);
  if (page.spaces.length + page.memories.length === 0) throw new MnemoError('VALIDATION_ERROR', 'the page holds no lines to import');
  return page;
}
