import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '@mnemo/contracts';
import type { ApiKeyEvent } from './api-key.events';

/** The `api_keys` read model, kept in the append's transaction. A revoked key's secrets are deleted. */
export async function projectApiKeyEvents(em: EntityManager, events: EventEnvelope[]): Promise<void> {
  for (const envelope of events) {
    const keyId = envelope.streamId.slice('key-'.length);
    const event = envelope as unknown as ApiKeyEvent & { occurredAt: string };
    switch (event.type) {
      case 'key.created':
        await em.execute(
          `INSERT INTO api_keys (id, workspace_id, name, prefix, scopes, agent_id, expires_at, created_at, created_by) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)`,
          [keyId, event.data.workspace_id, event.data.name, event.data.prefix, JSON.stringify(event.data.scopes), event.data.agent_id, event.data.expires_at, envelope.occurredAt, event.data.created_by],
        );
        break;
      case 'key.updated':
        if (event.data.name !== undefined) await em.execute('UPDATE api_keys SET name = ? WHERE id = ?', [event.data.name, keyId]);
        if (event.data.enabled !== undefined) await em.execute('UPDATE api_keys SET enabled = ? WHERE id = ?', [event.data.enabled, keyId]);
        break;
      case 'key.rotated':
        await em.execute('UPDATE api_keys SET prefix = ? WHERE id = ?', [event.data.prefix, keyId]);
        break;
      case 'key.revoked':
        await em.execute('UPDATE api_keys SET revoked_at = ?, enabled = false WHERE id = ?', [envelope.occurredAt, keyId]);
        await em.execute('DELETE FROM api_key_secrets WHERE key_id = ?', [keyId]);
        break;
    }
  }
}
