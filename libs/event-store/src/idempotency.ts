import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RpcReply } from '@mnemo/contracts';

/**
 * `(workspace, principal, method, route, key) → request hash, response`. The final record is written in the
 * same transaction as the append, so an answer is never recorded for work that did not commit (or vice versa).
 */
export interface IdempotencyScope {
  workspaceId?: string;
  principal: string;
  method: string;
  route: string;
  key: string;
}

export interface IdempotentRequest extends IdempotencyScope {
  /** The request body; only its hash is stored. */
  body: unknown;
}

export type IdempotencyClaim =
  | { kind: 'claimed'; requestHash: string }
  | { kind: 'replay'; reply: RpcReply }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

/** A claim left `in_progress` longer than this belongs to a caller that died; the next duplicate takes it over. */
const STALE_CLAIM_SECONDS = 60;

export function hashRequest(body: unknown): string {
  return createHash('sha256')
    .update(canonicalize(body ?? null) ?? 'null')
    .digest('hex');
}

function keyParams(scope: IdempotencyScope): string[] {
  return [scope.workspaceId ?? '', scope.principal, scope.method, scope.route, scope.key];
}

const WHERE_KEY = 'workspace_id = ? AND principal = ? AND method = ? AND route = ? AND key = ?';

export class IdempotencyRecords {
  /** Claims the key before any work, in its own committed statement, so a concurrent duplicate sees it. */
  async claim(em: EntityManager, request: IdempotentRequest): Promise<IdempotencyClaim> {
    const requestHash = hashRequest(request.body);
    const inserted = await em.execute<{ claimed: number }[]>(
      `INSERT INTO idempotency_records (workspace_id, principal, method, route, key, request_hash, status)
       VALUES (?, ?, ?, ?, ?, ?, 'in_progress') ON CONFLICT DO NOTHING RETURNING 1 AS claimed`,
      [...keyParams(request), requestHash],
    );
    if (inserted.length === 1) return { kind: 'claimed', requestHash };
    const [existing] = await em.execute<{ request_hash: string; status: string; response: RpcReply | null }[]>(
      `SELECT request_hash, status, response FROM idempotency_records WHERE ${WHERE_KEY}`,
      keyParams(request),
    );
    if (!existing) return this.claim(em, request); // released between our insert and select
    if (existing.request_hash !== requestHash) return { kind: 'mismatch' };
    if (existing.status === 'completed' && existing.response) return { kind: 'replay', reply: existing.response };
    const takenOver = await em.execute<{ claimed: number }[]>(
      `UPDATE idempotency_records SET updated_at = now()
       WHERE ${WHERE_KEY} AND status = 'in_progress' AND updated_at < now() - make_interval(secs => ?)
       RETURNING 1 AS claimed`,
      [...keyParams(request), STALE_CLAIM_SECONDS],
    );
    return takenOver.length === 1 ? { kind: 'claimed', requestHash } : { kind: 'in_progress' };
  }

  /** Records the answer; call inside the transaction that commits the work. */
  async complete(em: EntityManager, scope: IdempotencyScope, reply: RpcReply): Promise<void> {
    await em.execute(
      `UPDATE idempotency_records SET status = 'completed', response = ?, updated_at = now() WHERE ${WHERE_KEY}`,
      [JSON.stringify(reply), ...keyParams(scope)],
    );
  }

  /** Gives the key back after an unexpected failure, so a retry can run the request again. */
  async release(em: EntityManager, scope: IdempotencyScope): Promise<void> {
    await em.execute(`DELETE FROM idempotency_records WHERE ${WHERE_KEY} AND status = 'in_progress'`, keyParams(scope));
  }
}
