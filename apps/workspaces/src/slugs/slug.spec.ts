import { SLUG_PATTERN } from '@mnemo/contracts';
import { slugCandidates, slugFromName, withSuffix } from './slug';
import { personalWorkspaceName } from '../workspace/personal-workspace';

describe('slugs', () => {
  it.each([
    ["Ada's workspace", 'adas-workspace'],
    ['  Zoë   Ünal  ', 'zoe-unal'],
    ['ACME -- Research & Development', 'acme-research-development'],
    ['ada.lovelace+test', 'ada-lovelace-test'],
    ['日本語', ''],
    ['x'.repeat(49) + ' yz', 'x'.repeat(49)],
  ])('derives "%s" → "%s"', (name, slug) => {
    expect(slugFromName(name)).toBe(slug);
  });

  it('suffixes within 50 characters and the slug pattern', () => {
    const suffixed = withSuffix('a'.repeat(50), () => 'k3x9q2');
    expect(suffixed).toBe(`${'a'.repeat(43)}-k3x9q2`);
    expect(suffixed).toMatch(SLUG_PATTERN);
  });

  it('tries the base first, then suffixed variants; a base under 2 characters only suffixed', () => {
    const [first, ...rest] = slugCandidates('ada', 4);
    expect(first).toBe('ada');
    expect(rest).toHaveLength(3);
    for (const candidate of rest) expect(candidate).toMatch(/^ada-[a-z0-9]{6}$/);
    for (const candidate of slugCandidates('a', 3)) expect(candidate).toMatch(/^a-[a-z0-9]{6}$/);
    for (const candidate of slugCandidates('', 3)) expect(candidate).toMatch(/^[a-z0-9]{6}$/);
  });
});

describe('personal workspace names', () => {
  it.each([
    ['ada@example.com', 'Ada', "Ada's workspace"],
    ['ada.lovelace@example.com', undefined, "ada.lovelace's workspace"],
    ['ada@example.com', '   ', "ada's workspace"],
    ['a@example.com', undefined, "a's workspace"],
    ['ada@example.com', 'Ada\u0000 \t Lovelace', "Ada Lovelace's workspace"],
    ['ada@example.com', 'x'.repeat(100), `${'x'.repeat(38)}'s workspace`],
  ])('%s named %s → %s', (email, name, expected) => {
    const workspaceName = personalWorkspaceName(email, name);
    expect(workspaceName).toBe(expected);
    expect(Array.from(workspaceName).length).toBeGreaterThanOrEqual(2);
    expect(Array.from(workspaceName).length).toBeLessThanOrEqual(50);
  });
});
