import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import {
  periodUnitCap,
  USAGE_EVENT_TYPES,
  USAGE_UNITS,
  type EventEnvelope,
  type PlanLimits,
  type PlanName,
  type UsageRecorded,
  type UsageUnit,
} from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { currentTraceparent } from '@mnemo/observability';
import { limitReached, usagePeriodAt } from '../standing/standing';
import type { WorkspaceStandings } from '../standing/workspace-standings';

/** The workspace that pays and the actor recorded on the fact. */
export interface Payer {
  workspace_id: number;
  principal: string;
}

/**
 * The usage gate of DESIGN.md "Metering and plans": units are taken from the workspace's `usage` row of the
 * current period by one conditional UPDATE in the caller's transaction — `… SET writes = writes + n WHERE …
 * AND writes + n <= cap RETURNING` — so concurrent writers serialise on the row and the cap is never
 * overshot; a refusal rolls the whole transaction back (a batch is all or nothing). In the same transaction a
 * `usage.recorded` fact goes straight into the outbox, for the workspaces service's ledger.
 *
 * The row lock is held until COMMIT: call `consume` as the last step of a transaction, so writers of one
 * workspace wait on each other only for the commit.
 */
export class UsageMeter {
  constructor(
    private readonly store: EventStore,
    private readonly standings: WorkspaceStandings,
    private readonly plans: Readonly<Record<PlanName, PlanLimits>>,
    private readonly fork: () => EntityManager,
  ) {}

  /**
   * Takes `quantity` units of `unit` for the payer inside `tx`, or throws 429 `LIMIT_REACHED` (Retry-After at
   * the period's end) when they would pass the plan's cap for the period. Also refuses a workspace that may
   * not make memory calls (suspended, pending payment, limit reached), so every path through the gate does.
   */
  async consume(tx: EntityManager, payer: Payer, unit: UsageUnit, quantity: number, now = new Date()): Promise<void> {
    if (!(USAGE_UNITS as readonly string[]).includes(unit)) throw new Error(`unknown usage unit ${unit}`);
    if (quantity <= 0) return;
    const standing = await this.standings.admit(payer.workspace_id, tx, now);
    const period = usagePeriodAt(standing, now);
    const cap = periodUnitCap(this.plans[standing.planName], unit);
    // `unit` is one of USAGE_UNITS (checked above): a column name, never user input.
    const take = () =>
      tx.execute<{ used: string }[]>(`UPDATE usage SET ${unit} = ${unit} + ? WHERE workspace_id = ? AND period_start = ? AND ${unit} + ? <= ? RETURNING ${unit} AS used`, [
        quantity,
        payer.workspace_id,
        period.start,
        quantity,
        cap,
      ]);
    let taken = await take();
    if (taken.length === 0 && quantity <= cap) {
      // The period's first units: create its row with them. A concurrent first writer wins the insert; then the
      // row exists and the conditional UPDATE decides.
      taken = await tx.execute<{ used: string }[]>(
        `INSERT INTO usage (workspace_id, period_start, ${unit}) VALUES (?, ?, ?) ON CONFLICT (workspace_id, period_start) DO NOTHING RETURNING ${unit} AS used`,
        [payer.workspace_id, period.start, quantity],
      );
      if (taken.length === 0) taken = await take();
    }
    if (taken.length === 0) {
      throw limitReached(`this request needs ${quantity} ${unit}; the plan's ${cap} ${unit} for this period would be passed`, period.end, now, {
        reason: 'unit_cap',
        unit,
        limit: cap,
        requested: quantity,
      });
    }
    await this.record(tx, payer, { workspace_id: payer.workspace_id, period_start: period.start, unit, quantity });
  }

  /** One unit in a transaction of its own: a retrieve, charged to the reader before the read runs. */
  async charge(payer: Payer, unit: UsageUnit, quantity = 1): Promise<void> {
    await this.fork().transactional((tx) => this.consume(tx, payer, unit, quantity));
  }

  /**
   * The metering fact, an event envelope outside any aggregate stream: stream `usage-<workspace_id>`, version
   * 0 (facts have no order to keep; the ledger sums them and its inbox drops a redelivery by `id`, which is also
   * the `Nats-Msg-Id`).
   */
  private async record(tx: EntityManager, payer: Payer, fact: UsageRecorded): Promise<void> {
    const traceparent = currentTraceparent();
    const envelope: EventEnvelope<string, UsageRecorded> = {
      id: uuidv7(),
      type: USAGE_EVENT_TYPES.usageRecorded,
      schemaVersion: 1,
      streamId: `usage-${payer.workspace_id}`,
      streamVersion: 0,
      workspaceId: String(payer.workspace_id),
      actor: payer.principal,
      occurredAt: new Date().toISOString(),
      ...(traceparent ? { traceparent } : {}),
      data: fact,
    };
    await this.store.enqueueMessage(tx, this.store.subjectOf(envelope.type), envelope as unknown as Record<string, unknown>, envelope.id);
  }
}
