/**
 * User events carry ids only: the email, name and password hash live in the `users` row, which erasure
 * deletes, so the id → person mapping disappears while the event history stays intact.
 */
export type UserEvent =
  | { type: 'user.registered'; data: Record<string, never> }
  | { type: 'user.email_verified'; data: Record<string, never> }
  | { type: 'user.password_reset'; data: Record<string, never> }
  | { type: 'user.deleted'; data: { erasure_id: string } };

export interface UserState {
  registered: boolean;
  deleted: boolean;
  emailVerified: boolean;
}

export const initialUserState: UserState = { registered: false, deleted: false, emailVerified: false };

export function userStreamId(userId: string): string {
  return `user-${userId}`;
}
