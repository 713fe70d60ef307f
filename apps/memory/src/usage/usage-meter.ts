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

/** Units reserved for one write request, before its transaction (`UsageMeter.reserve`). */
export interface UsageReservation {
  payer: Payer;
  unit: UsageUnit;
  periodStart: string;
  quantity: number;
}

/** The workspace that pays and the actor recorded on the fact. */
export interface Payer {
  workspace_id: number;
  principal: string;
}

/**
 * The usage gate of DESIGN.md "Metering and plans": units are taken from the workspace's `usage` row of the
 * current period by one conditional UPDATE — `… SET writes = writes + n WHERE … AND writes + n <= cap
 * RETURNING` — so the cap is never overshot, and a `usage.recorded` fact goes straight into the outbox of the
 * transaction that used the units, for the workspaces service's ledger.
 *
 * Writes reserve their units before their transaction (`reserve` → `settle` in the transaction → `release`
 * of what was not used): a batch over the cap is refused whole before anything is written, and writers of one
 * workspace hold the usage row only for the reservation's own short commit. Retrieves (`charge`) take theirs
 * in a transaction of their own before the read runs.
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
    if (quantity <= 0) return;
    const periodStart = await this.take(tx, payer, unit, quantity, now);
    await this.record(tx, payer, { workspace_id: payer.workspace_id, period_start: periodStart, unit, quantity });
  }

  /**
   * Reserves up to `quantity` units before a write transaction, in a short transaction of its own, so writers
   * of one workspace do not queue on the usage row for the whole length of each other's transactions and
   * commits (they did: the row lock was held until COMMIT, which serialised a workspace's writes).
   *
   * Zero overshoot holds: a reservation is taken by the same conditional UPDATE, so reservations never pass the
   * cap. The reservation commits without waiting for its WAL flush (`synchronous_commit = off`): the write
   * transaction that uses it commits later with a synchronous flush, which covers the reservation's earlier
   * commit record, so a durable write always has a durable reservation. What is not used is given back with
   * `release`; a crash in between loses the reservation (units counted that were never used — never the
   * reverse).
   */
  async reserve(payer: Payer, unit: UsageUnit, quantity: number, now = new Date()): Promise<UsageReservation> {
    const periodStart = await this.unflushed((tx) => this.take(tx, payer, unit, quantity, now));
    return { payer, unit, periodStart, quantity };
  }

  /** Records, in the write transaction, the units of a reservation the write used: the ledger's fact. */
  async settle(tx: EntityManager, reservation: UsageReservation, used: number): Promise<void> {
    if (used > reservation.quantity) throw new Error(`${used} ${reservation.unit} used of ${reservation.quantity} reserved`);
    if (used <= 0) return;
    const { payer, unit, periodStart } = reservation;
    await this.record(tx, payer, { workspace_id: payer.workspace_id, period_start: periodStart, unit, quantity: used });
  }

  /** Gives back reserved units a write did not use (a deduplicated write, a refusal, a failed transaction). */
  async release(reservation: UsageReservation, unused: number): Promise<void> {
    if (unused <= 0) return;
    const { payer, unit, periodStart } = reservation;
    await this.unflushed((tx) => tx.execute(`UPDATE usage SET ${unit} = ${unit} - ? WHERE workspace_id = ? AND period_start = ?`, [unused, payer.workspace_id, periodStart]));
  }

  /** A short transaction of its own whose COMMIT does not wait for the WAL flush (see `reserve` and `charge`). */
  private unflushed<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.fork().transactional(async (tx) => {
      await tx.execute('SET LOCAL synchronous_commit = off');
      return work(tx);
    });
  }

  /** The conditional UPDATE of the gate; the period's start, or 429 LIMIT_REACHED. */
  private async take(tx: EntityManager, payer: Payer, unit: UsageUnit, quantity: number, now: Date): Promise<string> {
    if (!(USAGE_UNITS as readonly string[]).includes(unit)) throw new Error(`unknown usage unit ${unit}`);
    const standing = await this.standings.admit(payer.workspace_id, tx, now);
    const period = usagePeriodAt(standing, now);
    const cap = periodUnitCap(this.plans[standing.planName], unit);
    // `unit` is one of USAGE_UNITS (checked above): a column name, never user input.
    const takeFromRow = () =>
      tx.execute<{ used: string }[]>(`UPDATE usage SET ${unit} = ${unit} + ? WHERE workspace_id = ? AND period_start = ? AND ${unit} + ? <= ? RETURNING ${unit} AS used`, [
        quantity,
        payer.workspace_id,
        period.start,
        quantity,
        cap,
      ]);
    let taken = await takeFromRow();
    if (taken.length === 0 && quantity <= cap) {
      // The period's first units: create its row with them. A concurrent first writer wins the insert; then the
      // row exists and the conditional UPDATE decides.
      taken = await tx.execute<{ used: string }[]>(
        `INSERT INTO usage (workspace_id, period_start, ${unit}) VALUES (?, ?, ?) ON CONFLICT (workspace_id, period_start) DO NOTHING RETURNING ${unit} AS used`,
        [payer.workspace_id, period.start, quantity],
      );
      if (taken.length === 0) taken = await takeFromRow();
    }
    if (taken.length === 0) {
      throw limitReached(`this request needs ${quantity} ${unit}; the plan's ${cap} ${unit} for this period would be passed`, period.end, now, {
        reason: 'unit_cap',
        unit,
        limit: cap,
        requested: quantity,
      });
    }
    return period.start;
  }

  /**
   * One unit in a transaction of its own: a retrieve, charged to the reader before the read runs. It commits
   * without waiting for its WAL flush, so a reader's concurrent reads hold the usage row for microseconds, not
   * one disk flush each: the flush follows within PostgreSQL's WAL writer delay (or with the next synchronous
   * commit, such as the read's audit record). A crash inside that window forgets the retrieves it held (the
   * period then admits that many more): a bounded loss we take for reads, never for writes (see `reserve`).
   */
  async charge(payer: Payer, unit: UsageUnit, quantity = 1): Promise<void> {
    await this.unflushed((tx) => this.consume(tx, payer, unit, quantity));
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
