import { MnemoError } from '@mnemo/contracts';

/** A resource version as the ETag of its answers: `"3"`. */
export const etagOf = (version: number): string => `"${version}"`;

/**
 * `If-Match: "3"` (or W/"3") → 3; absent or `*` → no condition. Anything else is a VALIDATION_ERROR: a client
 * that sends a condition we cannot read must not have its write applied unconditionally.
 */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header);
  if (!match) throw new MnemoError('VALIDATION_ERROR', 'If-Match must be an ETag this API sent, like "3"', { header: 'If-Match' });
  return Number(match[1]);
}

/** The RPC field that carries the client's If-Match, when it sent one. */
export function ifMatchOf(header: string | undefined): { if_match_version?: number } {
  const version = ifMatchVersion(header);
  return version === undefined ? {} : { if_match_version: version };
}
