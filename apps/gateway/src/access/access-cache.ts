import { MnemoError, WORKSPACES_RPC, type GetAccessReply } from '@mnemo/contracts';
import type { RpcClient } from '@mnemo/messaging';

const ACCESS_TTL_MS = 5000;

/**
 * A session user's role per workspace, asked of the workspaces service and kept for at most 5 s, so a
 * removal or role change is enforced on every replica within 5 s.
 */
export class AccessCache {
  private readonly entries = new Map<string, { access: GetAccessReply; expiresAt: number }>();

  constructor(private readonly rpc: RpcClient) {}

  /** The user's access, or NOT_FOUND: a workspace the user cannot reach does not exist for them. */
  async get(workspaceId: number, userId: string): Promise<GetAccessReply> {
    const key = `${workspaceId}:${userId}`;
    const cached = this.entries.get(key);
    let access: GetAccessReply | null | undefined = cached && cached.expiresAt > Date.now() ? cached.access : undefined;
    if (access === undefined) {
      const reply = await this.rpc.call<GetAccessReply>('workspaces', WORKSPACES_RPC.getAccess, { workspace_id: workspaceId, user_id: userId });
      if (!reply.ok && reply.error.code !== 'NOT_FOUND') throw new MnemoError(reply.error.code, reply.error.message);
      access = reply.ok ? reply.data : null;
      if (this.entries.size > 100_000) this.entries.clear();
      // Only grants are cached: a user who just joined must not keep seeing 404 for 5 s.
      if (access) this.entries.set(key, { access, expiresAt: Date.now() + ACCESS_TTL_MS });
    }
    if (!access) throw new MnemoError('NOT_FOUND', 'no such workspace');
    return access;
  }
}
