import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SCOPES } from '@mnemo/contracts';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { decideApiKey } from './api-key.decide';
import { apiKeyStreamId, initialApiKeyState } from './api-key.events';
import { evolveApiKey } from './api-key.evolve';
import { projectApiKeyEvents } from './api-key.projection';

/** Revokes, inside the caller's transaction, every live key a user minted (their account is going away). */
@Injectable()
export class KeyRevocation {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  async revokeCreatedBy(em: EntityManager, userId: string): Promise<number> {
    const keys = await em.execute<{ id: string; workspace_id: string }[]>('SELECT id, workspace_id FROM api_keys WHERE created_by = ? AND revoked_at IS NULL', [userId]);
    for (const key of keys) {
      const workspaceId = Number(key.workspace_id);
      const history = await this.runtime.store.readStream(apiKeyStreamId(key.id), em);
      const events = decideApiKey(
        { type: 'revoke', workspaceId, by: { caller: { kind: 'session', user_id: userId }, scopes: SCOPES, userId } },
        history.reduce(evolveApiKey, initialApiKeyState),
      );
      const appended = await this.runtime.store.appendInTransaction(em, apiKeyStreamId(key.id), history.length, events, {
        owner: { workspaceId: String(workspaceId) },
        actor: `user:${userId}`,
      });
      await projectApiKeyEvents(em, appended);
      await em.execute('UPDATE key_counters SET live_keys = live_keys - 1 WHERE workspace_id = ?', [workspaceId]);
    }
    return keys.length;
  }
}
