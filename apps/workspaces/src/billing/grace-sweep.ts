import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DueWorkPoller, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
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
  private readonly poller: DueWorkPoller;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(BILLING) billing: Billing,
  ) {
    this.poller = new DueWorkPoller({
      what: 'grace period sweep',
      intervalMs: billing.config.graceSweepIntervalMs,
      batch: BATCH,
      handleOne: () => this.expireOne(),
      logger: runtime.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  onModuleDestroy(): void {
    this.poller.stop();
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
