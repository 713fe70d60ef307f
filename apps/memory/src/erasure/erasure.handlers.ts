import { Controller, Inject } from '@nestjs/common';
import { COMMON_OPERATIONS, type EraseUserRequest } from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';

/**
 * The memory service's step of an account erasure. Memories and spaces belong to workspaces, not to users, and
 * hold no user ids: a workspace the user alone owned is deleted by the workspaces service (purging its
 * memories follows `workspace.deleted`, a later slice). Events name their actor by an opaque id (`user:<id>`);
 * identity deletes the id → person mapping. What is linked to the user here is the idempotency records of their
 * session requests, which keep the answers (memory content) for replays: those are deleted. Idempotent.
 */
@Controller()
export class ErasureHandlers {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  @RpcHandler('memory', COMMON_OPERATIONS.eraseUser)
  async eraseUser(request: EraseUserRequest): Promise<{ erased: true; user_id: string }> {
    await this.runtime.orm.em.fork().execute('DELETE FROM idempotency_records WHERE principal = ?', [`user:${request.user_id}`]);
    return { erased: true, user_id: request.user_id };
  }
}
