import { Migration } from '@mikro-orm/migrations';

/**
 * The usage gate and the workspace standings projection.
 *
 * `workspace_standings` is kept from the workspaces service's stream (status, plan, current usage period; a
 * deleted workspace keeps its row with `deleted`); a miss is seeded from `getWorkspaceStanding`, with
 * `last_version` 0 until the consumer applies the stream. `usage` holds one row per workspace and monthly
 * period; the gate increments it with a conditional UPDATE in the write's transaction (zero overshoot).
 */
export class UsageAndStandings extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE workspace_standings (
        workspace_id integer PRIMARY KEY CHECK (workspace_id > 0),
        status text NOT NULL CHECK (status IN ('active', 'pending_payment', 'limit_reached', 'suspended')),
        plan_name text NOT NULL,
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL CHECK (period_end > period_start),
        deleted boolean NOT NULL DEFAULT false,
        last_version integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE usage (
        workspace_id integer NOT NULL CHECK (workspace_id > 0),
        period_start timestamptz NOT NULL,
        writes bigint NOT NULL DEFAULT 0 CHECK (writes >= 0),
        retrieves bigint NOT NULL DEFAULT 0 CHECK (retrieves >= 0),
        runs bigint NOT NULL DEFAULT 0 CHECK (runs >= 0),
        PRIMARY KEY (workspace_id, period_start)
      )`);
  }
}
