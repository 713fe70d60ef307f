import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { MnemoError } from '@mnemo/contracts';
import { DueWorkPoller, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { BILLING, type Billing } from '../billing/billing.settings';
import { recordOverageCharge } from '../billing/overage-charges';
import { decideOnWorkspace } from '../workspace/workspace.commands';
import { periodContaining } from './usage-period';

/** Rollovers per poll, one transaction each, so one slow workspace holds up no other. */
const BATCH = 50;

/**
 * Starts each workspace's next monthly period when the current one ends, recording the ended period's overage
 * charge (if any) in the same transaction. The due rows live in `usage_periods`;
 * every replica polls, and a row is claimed with FOR UPDATE SKIP LOCKED, so exactly one replica rolls a
 * workspace over (another one skips the locked row, and once committed the row is no longer due).
 */
@Injectable()
export class PeriodRollover implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly poller: DueWorkPoller;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(BILLING) private readonly billing: Billing,
  ) {
    this.poller = new DueWorkPoller({
      what: 'usage period rollover',
      intervalMs: runtime.config.usageRolloverPollMs,
      batch: BATCH,
      handleOne: () => this.rollOne(),
      logger: runtime.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  onModuleDestroy(): void {
    this.poller.stop();
  }

  /** Claims one due row and starts the workspace's next period; false when nothing is due. */
  private async rollOne(): Promise<boolean> {
    return this.runtime.orm.em.fork().transactional(async (em) => {
      const [due] = await em.execute<{ workspace_id: number; anchor: Date; period_start: Date }[]>(
        `SELECT workspace_id, anchor, period_start FROM usage_periods
         WHERE ends_at <= now() ORDER BY ends_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      if (!due) return false;
      const workspaceId = Number(due.workspace_id);
      const anchor = new Date(due.anchor);
      const current = periodContaining(anchor, new Date(due.period_start));
      // Normally the period containing now; a row made due early (by an operator) starts the very next one.
      const next = periodContaining(anchor, new Date(), current.index + 1);
      try {
        await decideOnWorkspace(em, this.runtime.store, workspaceId, { type: 'StartPeriod', periodStart: next.start, periodEnd: next.end }, `system:rollover:${process.pid}`);
        // The ended period's overage, recorded with the rollover (or not at all); the OverageBilling poller bills it.
        await recordOverageCharge(em, this.billing, workspaceId, { start: new Date(due.period_start), end: new Date(current.end) });
      } catch (error) {
        if (!(error instanceof MnemoError)) throw error;
        if (error.code === 'NOT_FOUND') {
          // A deleted workspace's row should have gone with it; drop a leftover.
          await em.execute('DELETE FROM usage_periods WHERE workspace_id = ?', [workspaceId]);
        } else {
          // The aggregate refused (nothing was appended): retry this row later instead of blocking every other.
          this.runtime.logger.error({ err: error, workspace_id: workspaceId }, 'usage period rollover refused; retrying in a minute');
          await em.execute(`UPDATE usage_periods SET ends_at = now() + interval '1 minute' WHERE workspace_id = ?`, [workspaceId]);
        }
      }
      return true;
    });
  }
}
