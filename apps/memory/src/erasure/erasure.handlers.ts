import { Controller, Inject } from '@nestjs/common';
import { COMMON_OPERATIONS, MnemoError, WORKSPACES_RPC, type EraseUserReply, type EraseUserRequest } from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { purgeWorkspaceContent } from './purge';

/**
 * The memory service's step of an account erasure (identity's saga calls it after the workspaces step, and
 * marks it `done` when it answers ok). Memories and spaces belong to workspaces, not to users, and hold no user
 * ids; events name their actor by an opaque id (`user:<id>`) whose mapping identity deletes. So the step is:
 *
 * - the workspaces the erasure deleted (those the user was alone in) are purged here, before answering, so
 *   `done` means their content is gone — not merely that `workspace.deleted` is on its way to the consumer.
 *   Their ids come from the workspaces service's own record of this erasure: `eraseUser` with the same
 *   erasure id answers what its first call did (it is idempotent by erasure id, and the saga ran it already);
 * - the idempotency records of the user's session requests, which keep answers (memory content), are deleted.
 *
 * Idempotent: a workspace already purged (by the consumer, or an earlier attempt) is skipped.
 */
@Controller()
export class ErasureHandlers {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  @RpcHandler('memory', COMMON_OPERATIONS.eraseUser)
  async eraseUser(request: EraseUserRequest): Promise<{ erased: true; user_id: string; purged_workspace_ids: number[] }> {
    if (typeof request?.user_id !== 'string' || typeof request.erasure_id !== 'string') {
      throw new MnemoError('VALIDATION_ERROR', 'user_id and erasure_id are required');
    }
    const erased = await this.runtime.rpc.call<EraseUserReply>('workspaces', WORKSPACES_RPC.eraseUser, { user_id: request.user_id, erasure_id: request.erasure_id });
    if (!erased.ok) throw new MnemoError(erased.error.code, `the workspaces step of this erasure is not done: ${erased.error.message}`, erased.error.details);
    const workspaceIds = erased.data.deleted_workspace_ids;
    for (const workspaceId of workspaceIds) {
      await this.runtime.orm.em.fork().transactional((em) => purgeWorkspaceContent(em, this.runtime.store, workspaceId, request.erasure_id));
    }
    await this.runtime.orm.em.fork().execute('DELETE FROM idempotency_records WHERE principal = ?', [`user:${request.user_id}`]);
    return { erased: true, user_id: request.user_id, purged_workspace_ids: workspaceIds };
  }
}
