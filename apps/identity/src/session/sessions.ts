import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { mintSessionToken } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { digest } from '../credential/secrets';

export function sessionStreamId(sessionId: string): string {
  return `session-${sessionId}`;
}

/** Sessions: random `mnemo_sess_` tokens stored as digests, expiring, revoked by logout or a password reset. */
export class Sessions {
  constructor(
    private readonly store: EventStore,
    private readonly ttlMs: number,
  ) {}

  async start(em: EntityManager, userId: string): Promise<{ token: string; expires_at: string; session_id: string }> {
    const sessionId = uuidv7();
    const token = mintSessionToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await em.execute('INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
      sessionId,
      userId,
      digest(token),
      now,
      expiresAt,
    ]);
    await this.store.appendInTransaction(em, sessionStreamId(sessionId), 0, [{ type: 'session.started', data: {} }], {
      owner: { userId },
      actor: `user:${userId}`,
    });
    return { token, expires_at: expiresAt.toISOString(), session_id: sessionId };
  }

  /** Revokes one session, or every live session of the user; each gets a `session.revoked` event for the caches. */
  async revoke(em: EntityManager, userId: string, reason: string, sessionId?: string): Promise<number> {
    const revoked = await em.execute<{ id: string }[]>(
      `UPDATE sessions SET revoked_at = now() WHERE user_id = ? AND revoked_at IS NULL ${sessionId ? 'AND id = ?' : ''} RETURNING id`,
      sessionId ? [userId, sessionId] : [userId],
    );
    for (const { id } of revoked) {
      await this.store.appendInTransaction(em, sessionStreamId(id), 1, [{ type: 'session.revoked', data: { reason } }], {
        owner: { userId },
        actor: `user:${userId}`,
      });
    }
    return revoked.length;
  }
}
