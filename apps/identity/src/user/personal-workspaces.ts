import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  MnemoError,
  WORKSPACES_RPC,
  type CreatePersonalWorkspaceReply,
  type CreatePersonalWorkspaceRequest,
} from '@mnemo/contracts';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';

const RETRY_DELAYS_MS = [0, 200, 800];

/**
 * The signup process manager. A signup records a pending request in the same transaction as the user, then
 * asks the workspaces service (deduplicated by user id) until it answers. If the caller dies or gives up,
 * the loop here finishes the request later, on whichever replica claims it first.
 */
@Injectable()
export class PersonalWorkspaces implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), 2000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Asks for the personal workspace now; UNAVAILABLE when the workspaces service does not answer in time. */
  async ensure(request: CreatePersonalWorkspaceRequest, em: EntityManager = this.runtime.orm.em.fork()): Promise<CreatePersonalWorkspaceReply> {
    let lastError = 'no answer';
    for (const delay of RETRY_DELAYS_MS) {
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      const reply = await this.runtime.rpc.call<CreatePersonalWorkspaceReply>('workspaces', WORKSPACES_RPC.createPersonalWorkspace, request);
      if (reply.ok) {
        await em.execute(`UPDATE personal_workspace_requests SET status = 'done' WHERE user_id = ?`, [request.user_id]);
        return reply.data;
      }
      lastError = reply.error.message;
      if (reply.error.code !== 'UNAVAILABLE' && reply.error.code !== 'INTERNAL') break;
    }
    await em.execute(`UPDATE personal_workspace_requests SET attempts = attempts + 1, next_attempt_at = now() + interval '2 seconds' WHERE user_id = ?`, [request.user_id]);
    throw new MnemoError('UNAVAILABLE', 'your account exists, but its workspace could not be set up yet; it will be, shortly — log in again in a moment', {
      reason: 'workspace_pending',
      cause: lastError,
    });
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.runtime.orm.em.fork().transactional(async (em) => {
        const due = await em.execute<{ user_id: string; email: string; name: string | null }[]>(
          `SELECT user_id, email, name FROM personal_workspace_requests
           WHERE status = 'pending' AND next_attempt_at <= now() AND created_at < now() - interval '5 seconds'
           ORDER BY next_attempt_at LIMIT 10 FOR UPDATE SKIP LOCKED`,
        );
        for (const row of due) {
          await this.ensure({ user_id: row.user_id, email: row.email, ...(row.name ? { name: row.name } : {}) }, em).catch(() => undefined);
        }
      });
    } catch (error) {
      this.runtime.logger.warn({ err: error }, 'personal workspace sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}
