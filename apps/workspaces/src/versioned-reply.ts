import { MnemoError, type Versioned } from '@mnemo/contracts';

/**
 * ETags of the workspace and organization routes: a resource's ETag is its stream version (kept in the read
 * model in the append's transaction). The gateway passes the client's If-Match as `if_match_version` and asks
 * for the version with `with_version: true`.
 */
export interface Versioning {
  ifMatchVersion?: number;
  withVersion: boolean;
}

export function parseVersioning(data: unknown): Versioning {
  const fields = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const versioning: Versioning = { withVersion: fields.with_version === true };
  const ifMatch = fields.if_match_version;
  if (ifMatch !== undefined && ifMatch !== null) {
    if (typeof ifMatch !== 'number' || !Number.isSafeInteger(ifMatch) || ifMatch < 0) {
      throw new MnemoError('VALIDATION_ERROR', 'if_match_version must be a version number', { field: 'if_match_version' });
    }
    versioning.ifMatchVersion = ifMatch;
  }
  return versioning;
}

/**
 * A stale If-Match is the client's CONFLICT, never a retry (DESIGN.md). Checked with the row locked, after the
 * decider accepted the command, so a refusal (403, 400) still answers as such.
 */
export function requireCurrentVersion(versionBefore: number, versioning: Versioning): void {
  if (versioning.ifMatchVersion !== undefined && versioning.ifMatchVersion !== versionBefore) {
    throw new MnemoError('CONFLICT', 'the resource changed since you read it (stale If-Match)', { reason: 'stale_etag', version: versionBefore });
  }
}

/** The resource, or `{ resource, version }` when the caller asked for the version. */
export function versioned<T>(resource: T, version: number, versioning: Versioning): T | Versioned<T> {
  return versioning.withVersion ? { resource, version } : resource;
}
