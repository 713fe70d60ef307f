import { MnemoError } from '@mnemo/contracts';
import { parseImportPage } from './import-lines';
import { grantsUnder } from './import-page';

const now = new Date('2026-01-01T00:00:00.000Z');
const id = (n: number) => `urn:uuid:0190f0c4-8a5e-7cc2-a2b4-5f1e0c6d7e${String(n).padStart(2, '0')}`;
const memoryLine = (n: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'memory', memory: { uuid: id(n), observation: `note ${n}`, created_at: '2025-01-01T00:00:00Z', ...fields } });
const spaceLine = (n: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'space', space: { space_id: id(n), name: `space ${n}`, created_at: '2025-01-01T00:00:00Z', ...fields } });

function refusal(lines: string[]): MnemoError {
  try {
    parseImportPage(lines, now);
  } catch (error) {
    if (error instanceof MnemoError) return error;
    throw error;
  }
  throw new Error('the page was accepted');
}

describe('parsing an import page', () => {
  it('keeps ids, times and recall counts, and numbers lines as the client sees them (blank lines count)', () => {
    const page = parseImportPage([spaceLine(1, { tags: ['a'] }), '', memoryLine(2, { recall_count: 4, updated_at: '2025-02-01T00:00:00Z' })], now);
    expect(page.spaces).toEqual([{ line: 1, id: id(1).slice(9), settings: { name: 'space 1', tags: ['a'] }, createdAt: '2025-01-01T00:00:00.000Z' }]);
    expect(page.memories).toMatchObject([
      { line: 3, id: id(2).slice(9), createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-02-01T00:00:00.000Z', recallCount: 4, input: { observation: 'note 2' } },
    ]);
  });

  it('refuses the page naming the first bad line, and lists every problem by line', () => {
    const error = refusal([memoryLine(1), memoryLine(2, { importance: 0, colour: 'red' }), 'not json', spaceLine(4, { name: '' })]);
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toMatch(/^line 2: /);
    expect(error.details).toMatchObject({ line: 2 });
    const lines = (error.details!.lines as { line: number; field: string }[]).map((p) => [p.line, p.field]);
    expect(lines).toEqual(expect.arrayContaining([[2, 'memory.importance'], [2, 'memory.colour'], [3, ''], [4, 'space.name']]));
  });

  it('refuses an id or a document path used twice in one page, at the second use', () => {
    expect(refusal([memoryLine(1), memoryLine(1, { observation: 'other' })]).details).toMatchObject({ line: 2 });
    const doc = (n: number) => memoryLine(n, { observation: undefined, body_md: '# doc', path: '/notes/same' });
    expect(refusal([doc(1), doc(2)]).details).toMatchObject({ line: 2, lines: [{ line: 2, field: 'memory.path' }] });
  });

  it('refuses lines that are neither a space nor a memory, and a page with nothing in it', () => {
    expect(refusal([JSON.stringify({ type: 'memory', memory: {}, extra: 1 })]).details).toMatchObject({ line: 1 });
    expect(refusal([JSON.stringify({ type: 'webhook', webhook: {} })]).details).toMatchObject({ line: 1 });
    expect(refusal(['', '  ']).message).toMatch(/no lines/);
  });
});

describe('grants of imported spaces', () => {
  const space = { line: 1, id: 'x', createdAt: '', settings: { name: 's', allowed_tenant_ids: [7, 8, 42], allowed_agent_ids: ['agent-1', '7:scout', '8:scout', '9:other'] } };

  it('are dropped, with the grantees’ agents, unless kept', () => {
    expect(grantsUnder({ keep: false, existingGrantees: new Set([7, 8]) }, 42, space)).toEqual({ allowed_tenant_ids: [], allowed_agent_ids: ['agent-1', '9:other'] });
  });

  it('keep only grantees that exist here, never the importing workspace', () => {
    expect(grantsUnder({ keep: true, existingGrantees: new Set([7, 42]) }, 42, space)).toEqual({ allowed_tenant_ids: [7], allowed_agent_ids: ['agent-1', '7:scout', '9:other'] });
  });
});
