import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import baseX from 'base-x';

/**
 * Credential formats. An API key is `mnemo_` + 32 random bytes in base62 + a CRC32 checksum (base62, 6
 * chars); a session token is the same with `mnemo_sess_`. The checksum lets the gateway refuse a mistyped
 * credential before any lookup. Only SHA-256 digests are ever stored.
 */
const base62 = baseX('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');

export const API_KEY_PREFIX = 'mnemo_';
export const SESSION_TOKEN_PREFIX = 'mnemo_sess_';
const CHECKSUM_LENGTH = 6;
const SECRET_BYTES = 32;

export type CredentialKind = 'key' | 'session';

function checksum(body: string): string {
  return base62.encode(Buffer.from(crc32(body).toString(16).padStart(8, '0'), 'hex')).padStart(CHECKSUM_LENGTH, '0');
}

function mint(prefix: string): string {
  const body = `${prefix}${base62.encode(randomBytes(SECRET_BYTES))}`;
  return `${body}${checksum(body)}`;
}

export function mintApiKey(): string {
  return mint(API_KEY_PREFIX);
}

export function mintSessionToken(): string {
  return mint(SESSION_TOKEN_PREFIX);
}

/** A random single-use token for email links (verification, reset, invitation); base62, ≥ 128 bits. */
export function mintLinkToken(): string {
  return base62.encode(randomBytes(24));
}

/** The kind of a well-formed credential, or undefined when its shape or checksum is wrong. */
export function credentialKind(token: string): CredentialKind | undefined {
  if (token.length < 40 || token.length > 80 || !/^[A-Za-z0-9_]+$/.test(token)) return undefined;
  const body = token.slice(0, -CHECKSUM_LENGTH);
  if (checksum(body) !== token.slice(-CHECKSUM_LENGTH)) return undefined;
  if (body.startsWith(SESSION_TOKEN_PREFIX)) return /^[0-9A-Za-z]+$/.test(body.slice(SESSION_TOKEN_PREFIX.length)) ? 'session' : undefined;
  if (body.startsWith(API_KEY_PREFIX)) return /^[0-9A-Za-z]+$/.test(body.slice(API_KEY_PREFIX.length)) ? 'key' : undefined;
  return undefined;
}

/** The part of a key shown in lists: its first 10 characters. */
export function keyDisplayPrefix(key: string): string {
  return key.slice(0, 10);
}
