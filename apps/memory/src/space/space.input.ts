import { AGENT_ID_PATTERN, parseWorkspaceId, SPACE_LIMITS, type SpaceInput } from '@mnemo/contracts';
import { characterCount, type Checked, type FieldProblem } from '../memory/memory.input';

/** A space's settings as sent, validated; `allowed_tenant_ids` as workspace ids. Absent fields stay absent. */
export interface ValidSpaceInput {
  name?: string;
  description?: string | null;
  allowed_agent_ids?: string[];
  allowed_tenant_ids?: number[];
  tags?: string[];
}

const FIELDS = ['name', 'description', 'allowed_agent_ids', 'allowed_tenant_ids', 'tags'];

function stringList(problems: FieldProblem[], field: string, value: unknown, max: number, check: (item: string) => boolean, what: string): string[] | undefined {
  if (!Array.isArray(value) || value.length > max || !value.every((item) => typeof item === 'string' && check(item))) {
    problems.push({ field, problem: `${field} must be a list of at most ${max} ${what}` });
    return undefined;
  }
  return [...new Set(value as string[])];
}

/** Novyx's limits: name 1–100, description ≤ 500, ≤ 10 agent ids, ≤ 50 tenant ids, ≤ 20 tags. */
export function checkSpaceInput(raw: unknown, mode: 'create' | 'update'): Checked<ValidSpaceInput> {
  const problems: FieldProblem[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problems: [{ field: '', problem: 'a space must be a JSON object' }] };
  const input = raw as SpaceInput & Record<string, unknown>;
  for (const field of Object.keys(input)) if (!FIELDS.includes(field)) problems.push({ field, problem: `${field} is not a field of a context space` });
  const value: ValidSpaceInput = {};
  if (input.name !== undefined || mode === 'create') {
    const length = typeof input.name === 'string' ? characterCount(input.name.trim()) : 0;
    if (typeof input.name !== 'string' || length < SPACE_LIMITS.nameChars.min || characterCount(input.name) > SPACE_LIMITS.nameChars.max) {
      problems.push({ field: 'name', problem: `name must be ${SPACE_LIMITS.nameChars.min} to ${SPACE_LIMITS.nameChars.max} characters` });
    } else value.name = input.name;
  }
  if (input.description !== undefined) {
    if (input.description !== null && (typeof input.description !== 'string' || characterCount(input.description) > SPACE_LIMITS.descriptionChars)) {
      problems.push({ field: 'description', problem: `description must be at most ${SPACE_LIMITS.descriptionChars} characters` });
    } else value.description = input.description === '' ? null : input.description;
  }
  if (input.allowed_agent_ids !== undefined) {
    value.allowed_agent_ids = stringList(problems, 'allowed_agent_ids', input.allowed_agent_ids, SPACE_LIMITS.allowedAgentIds, (id) => AGENT_ID_PATTERN.test(id), 'agent ids of [A-Za-z0-9._:-]');
  }
  if (input.allowed_tenant_ids !== undefined) {
    const ids = stringList(problems, 'allowed_tenant_ids', input.allowed_tenant_ids, SPACE_LIMITS.allowedTenantIds, (id) => parseWorkspaceId(id) !== undefined, 'workspace ids (decimal strings)');
    if (ids) value.allowed_tenant_ids = ids.map((id) => parseWorkspaceId(id)!);
  }
  if (input.tags !== undefined) {
    value.tags = stringList(problems, 'tags', input.tags, SPACE_LIMITS.maxTags, (tag) => tag.trim() !== '' && characterCount(tag) <= SPACE_LIMITS.tagChars, `tags of 1 to ${SPACE_LIMITS.tagChars} characters`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}
