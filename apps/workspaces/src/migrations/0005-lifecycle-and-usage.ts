import { Migration } from '@mikro-orm/migrations';

/**
 * Lifecycle and metering: each workspace's current usage period on its read model; the rollover's due row
 * (`usage_periods`, claimed with FOR UPDATE SKIP LOCKED by whichever replica polls after `ends_at`); and the usage
 * ledger, one row per workspace and period, fed exactly once by the memory service's `usage.recorded` facts.
 */
export class LifecycleAndUsage extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE workspaces ADD COLUMN period_start timestamptz, ADD COLUMN period_end timestamptz`);
    // Workspaces from before metering start their first period at creation, like new ones.
    this.addSql(`UPDATE workspaces SET period_start = created_at, period_end = created_at + interval '1 month'`);
    this.addSql(`ALTER TABLE workspaces ALTER COLUMN period_start SET NOT NULL, ALTER COLUMN period_end SET NOT NULL`);
    this.addSql(`
      CREATE TABLE usage_periods (
        workspace_id integer PRIMARY KEY,
        anchor timestamptz NOT NULL,
        period_start timestamptz NOT NULL,
        ends_at timestamptz NOT NULL
      )`);
    this.addSql(`CREATE INDEX usage_periods_due_idx ON usage_periods (ends_at)`);
    this.addSql(`INSERT INTO usage_periods (workspace_id, anchor, period_start, ends_at) SELECT workspace_id, created_at, period_start, period_end FROM workspaces`);
    this.addSql(`
      CREATE TABLE usage_ledger (
        workspace_id integer NOT NULL,
        period_start timestamptz NOT NULL,
        writes bigint NOT NULL DEFAULT 0 CHECK (writes >= 0),
        retrieves bigint NOT NULL DEFAULT 0 CHECK (retrieves >= 0),
        runs bigint NOT NULL DEFAULT 0 CHECK (runs >= 0),
        PRIMARY KEY (workspace_id, period_start)
      )`);
  }
}
