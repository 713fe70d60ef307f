import { Migration } from '@mikro-orm/migrations';

/**
 * Overage charges: one row per workspace and ended usage period whose usage past the included units costs
 * something. Written `pending` in the rollover's transaction (so a charge is never lost), then billed through
 * the payment provider by the overage poller with an idempotency key of the row (so it is never billed twice).
 */
export class OverageCharges extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE overage_charges (
        workspace_id integer NOT NULL,
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL,
        plan_name text NOT NULL,
        writes bigint NOT NULL,
        retrieves bigint NOT NULL,
        runs bigint NOT NULL,
        amount_cents integer NOT NULL CHECK (amount_cents > 0),
        currency text NOT NULL,
        provider text NOT NULL,
        customer_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'billed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        provider_item_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        billed_at timestamptz,
        PRIMARY KEY (workspace_id, period_start)
      )`);
    this.addSql(`CREATE INDEX overage_charges_due_idx ON overage_charges (next_attempt_at) WHERE status = 'pending'`);
  }
}
