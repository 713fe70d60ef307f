import { createHash, randomBytes } from 'node:crypto';

// Crockford base32: no I, L, O or U, so a code read aloud or typed is hard to get wrong.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 20 symbols of 5 bits: 100 bits of randomness (API.md asks for at least 80). */
export const JOIN_CODE_LENGTH = 20;

export function newJoinCode(): string {
  // 256 is a multiple of 32, so `byte & 31` is uniform.
  return Array.from(randomBytes(JOIN_CODE_LENGTH), (byte) => ALPHABET[byte & 31]).join('');
}

/** What events carry instead of the code itself. */
export function joinCodeSha256(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/**
 * A code as a person may type it: any case, with spaces or hyphens, and the letters Crockford base32 reads
 * as digits (I and L as 1, O as 0).
 */
export function normalizeJoinCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}
