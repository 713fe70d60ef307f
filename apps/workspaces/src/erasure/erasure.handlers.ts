import { Controller, Inject } from '@nestjs/common';
import { WORKSPACES_RPC, type CheckAccountDeletionReply, type EraseUserReply, type RpcReply } from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { runCommand } from '../command-transaction';
import { parseEraseUserRequest, parseUserRequest } from '../rpc-requests';
import { accountDeletionBlockers, eraseUserInTransaction } from './account-erasure';

/** The workspaces service's part of deleting an account (identity runs the erasure saga). */
@Controller()
export class ErasureHandlers {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  @RpcHandler('workspaces', WORKSPACES_RPC.checkAccountDeletion)
  async checkAccountDeletion(data: unknown): Promise<CheckAccountDeletionReply> {
    const { userId } = parseUserRequest(data);
    return accountDeletionBlockers(this.runtime.orm.em.fork(), userId);
  }

  /** Idempotent: a repeated erasure id answers what the first call did. */
  @RpcHandler('workspaces', WORKSPACES_RPC.eraseUser)
  async eraseUser(data: unknown): Promise<RpcReply<EraseUserReply>> {
    const { userId, erasureId } = parseEraseUserRequest(data);
    return runCommand(this.runtime, { operation: WORKSPACES_RPC.eraseUser, body: data }, (em) => eraseUserInTransaction(em, this.runtime.store, userId, erasureId));
  }
}
