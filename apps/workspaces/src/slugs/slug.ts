import { randomBytes } from 'node:crypto';
import { WORKSPACE_LIMITS } from '@mnemo/contracts';

const { min: MIN, max: MAX } = WORKSPACE_LIMITS.slug;
const SUFFIX_LENGTH = 6;
const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The slug a name suggests: ASCII-folded, lowercase, `[a-z0-9]` runs joined by single hyphens, at most 50
 * characters. Apostrophes vanish ("Ada's workspace" → "adas-workspace"). Returns what it can; a result shorter
 * than 2 characters (a one-letter or non-Latin name) is completed by `withSuffix`.
 */
export function slugFromName(name: string): string {
  const folded = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return trimToLength(folded, MAX);
}

/** `base-x7k2q9`: a random suffix that keeps the slug within 50 characters. */
export function withSuffix(base: string, random: (length: number) => string = randomSuffix): string {
  const head = trimToLength(base, MAX - SUFFIX_LENGTH - 1);
  return head ? `${head}-${random(SUFFIX_LENGTH)}` : random(SUFFIX_LENGTH);
}

/** The candidates to try in order: the base itself when it is long enough, then suffixed variants. */
export function slugCandidates(base: string, attempts: number): string[] {
  const candidates = base.length >= MIN ? [base] : [];
  while (candidates.length < attempts) candidates.push(withSuffix(base));
  return candidates;
}

function trimToLength(slug: string, length: number): string {
  return slug.slice(0, length).replace(/-+$/, '');
}

function randomSuffix(length: number): string {
  return Array.from(randomBytes(length), (byte) => SUFFIX_ALPHABET[byte % SUFFIX_ALPHABET.length]).join('');
}
