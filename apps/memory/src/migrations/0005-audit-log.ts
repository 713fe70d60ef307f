import { Migration } from '@mikro-orm/migrations';

/**
 * The tamper-evident audit log (DESIGN.md "Audit log"), one hash chain per owner workspace.
 *
 * - `audit_events`: append-only. The app role keeps INSERT and SELECT only (the schema's default privileges
 *   gave it UPDATE and DELETE too; they are revoked here), and triggers refuse UPDATE, DELETE and TRUNCATE for
 *   everybody, the owner role included. Only a superuser can get past them — which the signed checkpoints on
 *   the JetStream stream catch.
 * - `chain_heads`: the last `(seq, hash)` of each chain, locked FOR UPDATE by every append. Never deleted.
 * - `audit_refusal_windows`: ordinary counters of refused attempts per (actor, space, window), flushed as one
 *   summary record when the window closes, so no audit row is ever updated.
 * - `audit_checkpoint_marks`: what this service last checkpointed per chain (its scheduling state only: the
 *   truth is the signed message on the stream).
 */
export class AuditLogTables extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE audit_events (
        owner_workspace_id integer NOT NULL CHECK (owner_workspace_id > 0),
        seq bigint NOT NULL CHECK (seq > 0),
        id uuid NOT NULL UNIQUE,
        occurred_at timestamptz NOT NULL,
        actor_workspace_id integer,
        actor_key_id text,
        actor_user_id text,
        agent_ref text,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('allowed', 'refused')),
        cross_tenant boolean NOT NULL,
        count integer NOT NULL CHECK (count > 0),
        request_id text,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (owner_workspace_id, seq)
      )`);
    this.addSql(`CREATE INDEX audit_events_by_owner ON audit_events (owner_workspace_id, id)`);
    this.addSql(`CREATE INDEX audit_events_by_actor ON audit_events (actor_workspace_id, id) WHERE actor_workspace_id IS NOT NULL`);
    this.addSql(`
      CREATE TABLE chain_heads (
        owner_workspace_id integer PRIMARY KEY CHECK (owner_workspace_id > 0),
        seq bigint NOT NULL,
        hash text NOT NULL
      )`);
    this.addSql(`
      CREATE TABLE audit_refusal_windows (
        owner_workspace_id integer NOT NULL,
        actor text NOT NULL,
        resource_id text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        further_attempts integer NOT NULL DEFAULT 0,
        summary jsonb NOT NULL,
        PRIMARY KEY (actor, resource_id, window_start)
      )`);
    this.addSql(`CREATE INDEX audit_refusal_windows_due ON audit_refusal_windows (window_end) WHERE further_attempts > 0`);
    this.addSql(`
      CREATE TABLE audit_checkpoint_marks (
        owner_workspace_id integer PRIMARY KEY,
        seq bigint NOT NULL,
        checkpointed_at timestamptz NOT NULL
      )`);

    this.addSql(`
      CREATE FUNCTION audit_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    this.addSql(`
      CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_are_append_only()`);
    this.addSql(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_are_append_only()`);
    this.addSql(`
      CREATE FUNCTION chain_heads_are_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'chain_heads rows are never deleted: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    this.addSql(`CREATE TRIGGER chain_heads_no_delete BEFORE DELETE ON chain_heads FOR EACH ROW EXECUTE FUNCTION chain_heads_are_never_deleted()`);
    this.addSql(`CREATE TRIGGER chain_heads_no_truncate BEFORE TRUNCATE ON chain_heads FOR EACH STATEMENT EXECUTE FUNCTION chain_heads_are_never_deleted()`);

    // The schema's default privileges (libs/event-store/src/database.ts) grant the app role full DML on every new
    // table; the audit tables get less.
    this.addSql(`REVOKE ALL ON audit_events FROM memory_app`);
    this.addSql(`GRANT SELECT, INSERT ON audit_events TO memory_app`);
    this.addSql(`REVOKE ALL ON chain_heads FROM memory_app`);
    this.addSql(`GRANT SELECT, INSERT, UPDATE ON chain_heads TO memory_app`);
  }
}
