import { Migration } from '@mikro-orm/migrations';

/**
 * Payments: the customer ↔ workspace mapping (also the row each provider event locks, holding the time of the
 * last applied event), the record of every provider event received (deduplication by event id, written in
 * the transaction that applies it), and the subscriptions read model.
 */
export class Payments extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE billing_customers (
        workspace_id integer PRIMARY KEY,
        provider text NOT NULL,
        customer_id text NOT NULL,
        last_event_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT billing_customers_provider_customer_key UNIQUE (provider, customer_id)
      )`);
    this.addSql(`
      CREATE TABLE billing_provider_events (
        provider text NOT NULL,
        event_id text NOT NULL,
        event_type text NOT NULL,
        workspace_id integer,
        outcome text NOT NULL CHECK (outcome IN ('applied', 'stale', 'unknown_customer', 'not_handled')),
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, event_id)
      )`);
    this.addSql(`
      CREATE TABLE subscriptions (
        workspace_id integer PRIMARY KEY,
        customer_id text,
        subscription_id text,
        paid_plan_name text,
        paid_billing_cycle text,
        pending_plan_name text,
        pending_billing_cycle text,
        checkout_session_id text,
        checkout_url text,
        first_payment boolean NOT NULL DEFAULT false,
        ever_paid boolean NOT NULL DEFAULT false,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        current_period_end timestamptz,
        payment_failing_since timestamptz,
        grace_ends_at timestamptz,
        grace_expired boolean NOT NULL DEFAULT false,
        version integer NOT NULL
      )`);
    this.addSql(`CREATE INDEX subscriptions_grace_due_idx ON subscriptions (grace_ends_at) WHERE grace_ends_at IS NOT NULL AND NOT grace_expired`);
  }
}
