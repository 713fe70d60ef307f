import { WORKSPACES_RPC, type GetWorkspaceStandingReply, type PlanName } from '@mnemo/contracts';
import type { RpcClient } from '@mnemo/messaging';
import type { Logger } from '@mnemo/observability';
import type { AccessCache } from '../access/access-cache';
import type { Authenticated } from '../access/authenticated';

/** A plan change reaches every replica's per-workspace rate limit within this long. */
export const PLAN_CACHE_TTL_MS = 5000;
/** When the workspaces service does not answer, a known plan is used this much longer before assuming free. */
const STALE_PLAN_MS = 60_000;

/**
 * The plan of an authenticated request's workspace, for its requests/second. Sessions: from the access cache
 * access control just filled (`plan_name`). API keys: the workspace's standing, cached here for ≤ 5 s.
 */
export class WorkspacePlans {
  private readonly entries = new Map<number, { plan: PlanName; fetchedAt: number }>();
  private readonly inFlight = new Map<number, Promise<PlanName>>();

  constructor(
    private readonly rpc: RpcClient,
    private readonly access: AccessCache,
    private readonly logger: Logger,
  ) {}

  async planOf(auth: Authenticated, workspaceId: number): Promise<PlanName> {
    if (auth.credential.kind === 'session') {
      try {
        return (await this.access.get(workspaceId, auth.userId)).plan_name;
      } catch (error) {
        return this.unknown(workspaceId, error);
      }
    }
    const cached = this.entries.get(workspaceId);
    if (cached && Date.now() - cached.fetchedAt < PLAN_CACHE_TTL_MS) return cached.plan;
    // One lookup per workspace at a time: a burst of a key's requests asks the workspaces service once.
    let pending = this.inFlight.get(workspaceId);
    if (!pending) {
      pending = this.fetch(workspaceId, cached).finally(() => this.inFlight.delete(workspaceId));
      this.inFlight.set(workspaceId, pending);
    }
    return pending;
  }

  private async fetch(workspaceId: number, cached: { plan: PlanName; fetchedAt: number } | undefined): Promise<PlanName> {
    try {
      const reply = await this.rpc.call<GetWorkspaceStandingReply>('workspaces', WORKSPACES_RPC.getWorkspaceStanding, { workspace_id: workspaceId });
      if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
      if (this.entries.size > 100_000) this.entries.clear();
      this.entries.set(workspaceId, { plan: reply.data.plan_name, fetchedAt: Date.now() });
      return reply.data.plan_name;
    } catch (error) {
      if (cached && Date.now() - cached.fetchedAt < STALE_PLAN_MS) return cached.plan;
      return this.unknown(workspaceId, error);
    }
  }

  /** Without an answer, the workspace is held to the free plan's rate (the platform's protection comes first). */
  private unknown(workspaceId: number, error: unknown): PlanName {
    this.logger.warn({ err: error, workspace_id: workspaceId }, 'workspace plan unknown: rate-limited as free');
    return 'free';
  }
}
