import type { EventConsumerOptions, ServiceRuntime } from '@mnemo/messaging';
import { WORKSPACES_EVENT_TYPES, type WorkspaceDeleted } from '@mnemo/contracts';
import { purgeWorkspaceContent } from './purge';

/**
 * Erases a deleted workspace's memories and spaces when the workspaces service announces `workspace.deleted`
 * (a `DELETE /v1/workspaces/:id`, or an account erasure — whose memory step may have purged it already).
 * A durable consumer with an inbox row in the purge's transaction: exactly once, and a crash before the ack
 * only redelivers a no-op. The purge appends `memory.purged` with the erasure id for whoever tracks it.
 */
export function workspaceErasureConsumer(runtime: ServiceRuntime): Omit<EventConsumerOptions, 'nc' | 'names' | 'orm' | 'logger' | 'app'> {
  return {
    name: 'workspace-erasure',
    source: 'workspaces',
    filterSubject: runtime.names.eventOfType('workspaces', WORKSPACES_EVENT_TYPES.workspaceDeleted),
    ordered: false,
    handle: async (em, envelope) => {
      if (envelope.type !== WORKSPACES_EVENT_TYPES.workspaceDeleted) return;
      const deleted = envelope.data as unknown as WorkspaceDeleted;
      const outcome = await purgeWorkspaceContent(em, runtime.store, deleted.workspace_id, deleted.erasure_id ?? null);
      if (outcome.purged) {
        runtime.logger.info({ workspace_id: deleted.workspace_id, memories: outcome.memories, spaces: outcome.spaces }, 'workspace memory content erased');
      }
    },
  };
}
