import type { EntityManager } from '@mikro-orm/postgresql';
import { SCOPES, WORKSPACES_EVENT_TYPES, type EventEnvelope } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import type { EventConsumerOptions, ServiceRuntime } from '@mnemo/messaging';
import { decideApiKey } from '../api-key/api-key.decide';
import { apiKeyStreamId, initialApiKeyState } from '../api-key/api-key.events';
import { evolveApiKey } from '../api-key/api-key.evolve';
import { projectApiKeyEvents } from '../api-key/api-key.projection';

/**
 * Revokes every live key of a deleted workspace, in the consumer's transaction (its inbox row makes a
 * redelivery a no-op). Each `key.revoked` evicts the key from every gateway's credential cache.
 */
export async function revokeKeysOfDeletedWorkspace(em: EntityManager, store: EventStore, event: EventEnvelope): Promise<void> {
  const workspaceId = Number((event.data as { workspace_id?: unknown }).workspace_id);
  if (!Number.isSafeInteger(workspaceId)) return;
  const keys = await em.execute<{ id: string; created_by: string }[]>(
    'SELECT id, created_by FROM api_keys WHERE workspace_id = ? AND revoked_at IS NULL ORDER BY id',
    [workspaceId],
  );
  for (const key of keys) {
    const history = await store.readStream(apiKeyStreamId(key.id), em);
    const events = decideApiKey(
      // The workspace's deletion speaks with full authority over its keys.
      { type: 'revoke', workspaceId, by: { caller: { kind: 'session', user_id: key.created_by }, scopes: SCOPES, userId: key.created_by } },
      history.reduce(evolveApiKey, initialApiKeyState),
    );
    const appended = await store.appendInTransaction(em, apiKeyStreamId(key.id), history.length, events, {
      owner: { workspaceId: String(workspaceId) },
      actor: 'system:workspace-deletion',
    });
    await projectApiKeyEvents(em, appended);
  }
  await em.execute('UPDATE key_counters SET live_keys = 0 WHERE workspace_id = ?', [workspaceId]);
}

/** identity's durable consumer of `workspace.deleted` from the workspaces stream. */
export function workspaceDeletionConsumer(runtime: ServiceRuntime): Omit<EventConsumerOptions, 'nc' | 'names' | 'orm' | 'logger' | 'app'> {
  return {
    name: 'workspace-deletion',
    source: 'workspaces',
    filterSubject: runtime.names.eventOfType('workspaces', WORKSPACES_EVENT_TYPES.workspaceDeleted),
    ordered: false,
    handle: (em, event) => revokeKeysOfDeletedWorkspace(em, runtime.store as EventStore, event),
  };
}
