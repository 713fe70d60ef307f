import { MnemoError, SLUG_PATTERN } from '@mnemo/contracts';

/** Length in characters as a person counts them (code points), not UTF-16 units. */
export function characterCount(value: string): number {
  return Array.from(value).length;
}

/** Refuses a name outside `min`–`max` characters with VALIDATION_ERROR naming the field. */
export function requireLength(field: string, value: string, limits: { min: number; max: number }): void {
  const length = characterCount(value);
  if (length < limits.min || length > limits.max) {
    throw new MnemoError('VALIDATION_ERROR', `${field} must be ${limits.min}-${limits.max} characters`, { field, ...limits });
  }
}

export function requireSlug(field: string, slug: string): void {
  if (!SLUG_PATTERN.test(slug)) {
    throw new MnemoError('VALIDATION_ERROR', `${field} must be 2-50 characters of a-z, 0-9 and single hyphens`, { field });
  }
}
