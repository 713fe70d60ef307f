import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { overageCents, type PlanName } from '@mnemo/contracts';
import { DueWorkPoller, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { periodUsage } from '../usage/usage-caps';
import { BILLING, type Billing } from './billing.settings';

/** Charges billed per poll, one transaction each. */
const BATCH = 20;
/** A failed provider call is retried after this long, doubling up to the maximum. */
const FIRST_RETRY_SECONDS = 30;
const MAX_RETRY_SECONDS = 60 * 60;

/**
 * Records what an ending usage period's overage costs, in the rollover's transaction: the ended period's
 * usage priced by the workspace's plan (`overageCents`, at most the cost cap). Only a workspace with a
 * customer at the provider is charged (a plan an operator set needs no payment, so it has nothing to bill).
 * The row is unique per workspace and period, so a rollover retried after a crash records nothing twice.
 */
export async function recordOverageCharge(
  em: EntityManager,
  billing: Billing,
  workspaceId: number,
  period: { start: Date; end: Date },
): Promise<void> {
  const [workspace] = await em.execute<{ plan_name: PlanName; customer_id: string | null; provider: string | null }[]>(
    `SELECT w.plan_name, c.customer_id, c.provider FROM workspaces w
     LEFT JOIN billing_customers c ON c.workspace_id = w.workspace_id
     WHERE w.workspace_id = ?`,
    [workspaceId],
  );
  if (!workspace?.customer_id || !workspace.provider) return;
  const usage = await periodUsage(em, workspaceId, period.start);
  const amountCents = overageCents(billing.plans(workspace.plan_name), usage);
  if (amountCents <= 0) return;
  await em.execute(
    `INSERT INTO overage_charges (workspace_id, period_start, period_end, plan_name, writes, retrieves, runs, amount_cents, currency, provider, customer_id, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'usd', ?, ?, 'pending')
     ON CONFLICT (workspace_id, period_start) DO NOTHING`,
    [workspaceId, period.start, period.end, workspace.plan_name, usage.writes, usage.retrieves, usage.runs, amountCents, workspace.provider, workspace.customer_id],
  );
}

/** The idempotency key of one period's charge: the same on every retry and every replica. */
export function overageIdempotencyKey(workspaceId: number, periodStart: Date): string {
  return `overage-${workspaceId}-${periodStart.toISOString()}`;
}

interface PendingCharge {
  workspace_id: number;
  period_start: Date;
  period_end: Date;
  plan_name: string;
  amount_cents: number;
  provider: string;
  customer_id: string;
  attempts: number;
}

/**
 * Bills the pending overage charges through the payment provider (an outbox: the rollover wrote the row, this
 * sends it). Every replica polls; a charge is claimed with FOR UPDATE SKIP LOCKED and stays locked while the
 * provider is called, then is marked billed in the same transaction. Should that commit fail after the
 * provider took the charge, the row is still pending and the retry repeats the call with the same
 * idempotency key, which the provider answers with the first charge: never billed twice, never lost.
 */
@Injectable()
export class OverageBilling implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly poller: DueWorkPoller;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(BILLING) private readonly billing: Billing,
  ) {
    this.poller = new DueWorkPoller({
      what: 'overage billing',
      intervalMs: runtime.config.usageRolloverPollMs,
      batch: BATCH,
      handleOne: () => this.billOne(),
      logger: runtime.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  onModuleDestroy(): void {
    this.poller.stop();
  }

  private async billOne(): Promise<boolean> {
    const provider = this.billing.provider;
    // Without a provider configured the charges wait, pending, until one is.
    if (!provider) return false;
    return this.runtime.orm.em.fork().transactional(async (em) => {
      const [charge] = await em.execute<PendingCharge[]>(
        `SELECT workspace_id, period_start, period_end, plan_name, amount_cents, provider, customer_id, attempts FROM overage_charges
         WHERE status = 'pending' AND provider = ? AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [provider.name],
      );
      if (!charge) return false;
      const workspaceId = Number(charge.workspace_id);
      const periodStart = new Date(charge.period_start);
      let invoiceItemId: string;
      try {
        ({ invoiceItemId } = await provider.createInvoiceItem({
          customerId: charge.customer_id,
          amountCents: Number(charge.amount_cents),
          currency: 'usd',
          description: `Mnemo ${charge.plan_name} usage past the included units, ${periodStart.toISOString().slice(0, 10)} to ${new Date(charge.period_end).toISOString().slice(0, 10)}`,
          idempotencyKey: overageIdempotencyKey(workspaceId, periodStart),
          metadata: { workspace_id: String(workspaceId), period_start: periodStart.toISOString() },
        }));
      } catch (error) {
        const delaySeconds = Math.min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** Math.min(Number(charge.attempts), 10));
        this.runtime.logger.warn({ err: error, workspace_id: workspaceId, period_start: periodStart.toISOString() }, `overage charge not billed; retrying in ${delaySeconds} s`);
        await em.execute(
          `UPDATE overage_charges SET attempts = attempts + 1, last_error = ?, next_attempt_at = now() + make_interval(secs => ?)
           WHERE workspace_id = ? AND period_start = ?`,
          [(error instanceof Error ? error.message : String(error)).slice(0, 500), delaySeconds, workspaceId, periodStart],
        );
        return true;
      }
      // Should this commit fail, the row stays pending and the retry's same idempotency key gets the same item.
      await em.execute(
        `UPDATE overage_charges SET status = 'billed', provider_item_id = ?, billed_at = now(), attempts = attempts + 1, last_error = NULL
         WHERE workspace_id = ? AND period_start = ?`,
        [invoiceItemId, workspaceId, periodStart],
      );
      return true;
    });
  }
}
