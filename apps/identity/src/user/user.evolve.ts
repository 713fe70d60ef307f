import type { EventEnvelope } from '@mnemo/contracts';
import type { UserState } from './user.events';

export function evolveUser(state: UserState, event: EventEnvelope | { type: string }): UserState {
  switch (event.type) {
    case 'user.registered':
      return { ...state, registered: true };
    case 'user.email_verified':
      return { ...state, emailVerified: true };
    case 'user.deleted':
      return { ...state, deleted: true };
    default:
      return state;
  }
}
