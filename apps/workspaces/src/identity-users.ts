import { IDENTITY_RPC, MnemoError, type UserResource } from '@mnemo/contracts';
import type { RpcClient } from '@mnemo/messaging';

/**
 * Users live in the identity service; this service knows only their ids. Details (email, name, whether the
 * email is verified) are asked for over RPC, outside any transaction of ours.
 */
export class IdentityUsers {
  constructor(private readonly rpc: RpcClient) {}

  /** The user, or null when identity does not know (or no longer knows) the id. */
  async get(userId: string): Promise<UserResource | null> {
    return this.ask(IDENTITY_RPC.getUser, { user_id: userId });
  }

  async findByEmail(email: string): Promise<UserResource | null> {
    return this.ask(IDENTITY_RPC.findUserByEmail, { email });
  }

  /** Details of many users at once, by id; unknown ids are missing from the map. */
  async getMany(userIds: string[]): Promise<Map<string, UserResource>> {
    const users = await Promise.all([...new Set(userIds)].map((id) => this.get(id)));
    return new Map(users.filter((user): user is UserResource => user !== null).map((user) => [user.id, user]));
  }

  private async ask(operation: string, payload: unknown): Promise<UserResource | null> {
    const reply = await this.rpc.call<UserResource>('identity', operation, payload);
    if (reply.ok) return reply.data;
    if (reply.error.code === 'NOT_FOUND') return null;
    // Identity down: the command cannot know who the user is, so it fails as unavailable rather than guessing.
    throw new MnemoError(reply.error.code === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'INTERNAL', `could not look the user up: ${reply.error.message}`);
  }
}

/** The form of an email address invitations are matched on (as identity normalizes it). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
