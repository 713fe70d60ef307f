import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { BILLING, type Billing } from './billing.settings';
import { decideOnSubscription } from './subscription.commands';

/** Suspensions per poll, one transaction each. */
const BATCH = 50;

/**
 * Suspends workspaces whose failed payment's grace period ended without any further provider event (the
 * provider may stop retrying and say nothing). Every replica polls; a due workspace is claimed by locking its
 * row with SKIP LOCKED (the workspace row first, the order every workspace command takes), so one replica
 * suspends it, and once committed it is no longer due.
 */
@Injectable()
export class GraceSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(BILLING) private readonly billing: Billing,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.poll(), this.billing.config.graceSweepIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async poll(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let suspended = 0;
    try {
      for (let i = 0; i < BATCH; i++) {
        if (!(await this.expireOne())) break;
        suspended++;
      }
    } catch (error) {
      this.runtime.logger.warn({ err: error }, 'grace period sweep failed; the next poll retries');
    } finally {
      this.running = false;
    }
    return suspended;
  }

  private async expireOne(): Promise<boolean> {
    return this.runtime.orm.em.fork().transactional(async (em) => {
      const [due] = await em.execute<{ workspace_id: number }[]>(
        `SELECT w.workspace_id FROM subscriptions s JOIN workspaces w ON w.workspace_id = s.workspace_id
         WHERE s.grace_ends_at <= now() AND NOT s.grace_expired
         ORDER BY s.grace_ends_at LIMIT 1 FOR UPDATE OF w SKIP LOCKED`,
      );
      if (!due) return false;
      const workspaceId = Number(due.workspace_id);
      await decideOnSubscription(em, this.runtime.store, workspaceId, { type: 'ExpireGrace', workspaceId, now: new Date().toISOString() }, 'system:billing');
      return true;
    });
  }
}
