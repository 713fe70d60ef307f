import { Controller } from '@nestjs/common';
import { COMMON_OPERATIONS, type EraseUserRequest } from '@mnemo/contracts';
import { RpcHandler } from '@mnemo/messaging';

/**
 * The scheduler service's step of an account erasure. It stores nothing about users yet, so there is nothing to
 * erase; this answers done so the saga can complete. When scheduler keeps user data, it is deleted here.
 */
@Controller()
export class ErasureHandlers {
  @RpcHandler('scheduler', COMMON_OPERATIONS.eraseUser)
  async eraseUser(request: EraseUserRequest): Promise<{ erased: true; user_id: string }> {
    return { erased: true, user_id: request.user_id };
  }
}
