import { MnemoError, SCOPES, type MemoryCaller } from '@mnemo/contracts';

/**
 * The caller the gateway authenticated. The service trusts the gateway for who it is, but never acts for a
 * request that does not name a workspace: every query is scoped by it.
 */
export function checkCaller(raw: unknown): MemoryCaller {
  const caller = raw as MemoryCaller | undefined;
  if (
    !caller ||
    !Number.isInteger(caller.workspace_id) ||
    caller.workspace_id <= 0 ||
    typeof caller.principal !== 'string' ||
    !Array.isArray(caller.scopes) ||
    !caller.scopes.every((scope) => (SCOPES as readonly string[]).includes(scope)) ||
    (caller.agent_id !== null && typeof caller.agent_id !== 'string')
  ) {
    throw new MnemoError('VALIDATION_ERROR', 'the request names no valid caller');
  }
  return caller;
}

export function pageLimit(raw: unknown, limits: { min: number; max: number; default: number }, field = 'limit'): number {
  if (raw === undefined || raw === null) return limits.default;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < limits.min || raw > limits.max) {
    throw new MnemoError('VALIDATION_ERROR', `${field} must be an integer from ${limits.min} to ${limits.max}`, { field });
  }
  return raw;
}

/** Cursors are opaque to clients: base64url JSON of the last position. */
export function encodeCursor(position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(cursor: unknown): Record<string, unknown> {
  try {
    if (typeof cursor !== 'string' || cursor.length > 1000) throw new Error('not a string');
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new MnemoError('VALIDATION_ERROR', 'cursor is not valid', { field: 'cursor' });
  }
}
