import { MnemoError } from '@mnemo/contracts';
import type { UserEvent, UserState } from './user.events';

export type UserCommand =
  | { type: 'register' }
  | { type: 'verify_email' }
  | { type: 'reset_password' }
  | { type: 'delete'; erasureId: string };

/** The rules of a user account. Pure: state and command in, events or a refusal out. */
export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  if (command.type === 'register') {
    if (state.registered) throw new MnemoError('CONFLICT', 'this account already exists');
    return [{ type: 'user.registered', data: {} }];
  }
  if (!state.registered || state.deleted) throw new MnemoError('NOT_FOUND', 'no such account');
  switch (command.type) {
    case 'verify_email':
      // Verifying twice is harmless: the second time changes nothing.
      return state.emailVerified ? [] : [{ type: 'user.email_verified', data: {} }];
    case 'reset_password':
      return [{ type: 'user.password_reset', data: {} }];
    case 'delete':
      return [{ type: 'user.deleted', data: { erasure_id: command.erasureId } }];
  }
}
