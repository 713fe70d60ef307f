import { MEMORY_LIMITS } from '@mnemo/contracts';
import { checkMemoryInput, checkMemoryPatch } from './memory.input';
import { normalizeMemoryPath, normalizePathPrefix } from './memory-path';

const now = new Date('2026-11-25T12:00:00Z');
const problemsOf = (raw: unknown) => {
  const checked = checkMemoryInput(raw, now);
  return checked.ok ? [] : checked.problems.map((p) => p.field);
};

describe('memory input limits, at n and n + 1', () => {
  it.each([
    ['observation bytes', (n: number) => ({ observation: 'é'.repeat(n / 2) }), MEMORY_LIMITS.observationBytes, 'observation'],
    ['body_md bytes', (n: number) => ({ body_md: 'a'.repeat(n), path: '/d' }), MEMORY_LIMITS.bodyMdBytes, 'body_md'],
    ['title characters', (n: number) => ({ observation: 'o', title: '😀'.repeat(n) }), MEMORY_LIMITS.titleChars, 'title'],
    ['path characters', (n: number) => ({ observation: 'o', path: `/${'a'.repeat(n - 1)}` }), MEMORY_LIMITS.pathChars, 'path'],
    ['tags', (n: number) => ({ observation: 'o', tags: Array.from({ length: n }, (_, i) => `t${i}`) }), MEMORY_LIMITS.maxTags, 'tags'],
    ['tag characters', (n: number) => ({ observation: 'o', tags: ['x'.repeat(n)] }), MEMORY_LIMITS.tagChars, 'tags'],
    ['agent_id characters', (n: number) => ({ observation: 'o', agent_id: 'a'.repeat(n) }), MEMORY_LIMITS.agentIdChars, 'agent_id'],
    ['importance', (n: number) => ({ observation: 'o', importance: n }), 10, 'importance'],
  ])('%s', (_name, body, n, field) => {
    expect(problemsOf(body(n))).toEqual([]);
    expect(problemsOf(body(n + (field === 'observation' ? 2 : 1)))).toEqual([field]);
  });

  it('checks the lower bounds and the value domains', () => {
    expect(problemsOf({ observation: 'o', importance: 1, confidence: 0 })).toEqual([]);
    expect(problemsOf({ observation: 'o', importance: 0 })).toEqual(['importance']);
    expect(problemsOf({ observation: 'o', importance: 2.5 })).toEqual(['importance']);
    expect(problemsOf({ observation: 'o', confidence: 1 })).toEqual([]);
    expect(problemsOf({ observation: 'o', confidence: 1.0001 })).toEqual(['confidence']);
    expect(problemsOf({ observation: 'o', confidence: -0.0001 })).toEqual(['confidence']);
    expect(problemsOf({ observation: 'o', agent_id: 'agent 1' })).toEqual(['agent_id']);
    expect(problemsOf({ observation: 'o', tags: [''] })).toEqual(['tags']);
    expect(problemsOf({ observation: 'o', expires_at: '2026-11-25T12:00:00Z' })).toEqual(['expires_at']);
    expect(problemsOf({ observation: 'o', expires_at: 'tomorrow' })).toEqual(['expires_at']);
  });

  it('needs content: an observation, or body_md at a path — not both, nothing unknown', () => {
    expect(problemsOf({})).toEqual(['observation']);
    expect(problemsOf({ body_md: '# doc' })).toEqual(['path']);
    expect(problemsOf({ observation: 'o', body_md: '# doc', path: '/p' })).toEqual(['body_md']);
    expect(problemsOf({ observation: '   ' })).toEqual(['observation']);
    expect(problemsOf({ observation: 'o', colour: 'blue' })).toEqual(['colour']);
    expect(problemsOf([])).toEqual(['']);
  });

  it('fills defaults and normalises', () => {
    const checked = checkMemoryInput({ observation: 'o', tags: ['a', ' a ', 'b'], path: 'Workspace/Teams/X' }, now);
    expect(checked).toEqual({
      ok: true,
      value: expect.objectContaining({ importance: 5, confidence: 1, tags: ['a', 'b'], path: '/workspace/teams/x', expires_at: null, agent_id: null }),
    });
  });

  it('patches only what is sent; null clears title, path and expires_at', () => {
    expect(checkMemoryPatch({ title: null, path: null, expires_at: null }, now)).toEqual({ ok: true, value: { title: null, path: null, expires_at: null } });
    expect(checkMemoryPatch({ agent_id: 'x' }, now)).toMatchObject({ ok: false, problems: [{ field: 'agent_id' }] });
    expect(checkMemoryPatch({ importance: 11 }, now)).toMatchObject({ ok: false, problems: [{ field: 'importance' }] });
  });
});

describe('memory paths', () => {
  it('lowercases and adds the leading slash', () => {
    expect(normalizeMemoryPath('Workspace/Teams/Platform/Deploy.MD')).toEqual({ path: '/workspace/teams/platform/deploy.md' });
    expect(normalizeMemoryPath('/a_b/c-d/e.f')).toEqual({ path: '/a_b/c-d/e.f' });
  });

  it('refuses empty, dot and foreign segments', () => {
    for (const bad of ['/', '', '/a//b', '/a/', '/a/../b', '/./a', '/a b', '/ä', '/a%b', '/a\\b']) expect(normalizeMemoryPath(bad)).toHaveProperty('problem');
  });

  it('takes prefixes with or without the trailing slash', () => {
    expect(normalizePathPrefix('/workspace/teams/')).toEqual({ prefix: '/workspace/teams' });
    expect(normalizePathPrefix('/')).toEqual({ prefix: '/' });
    expect(normalizePathPrefix('/a/../b')).toHaveProperty('problem');
  });
});
