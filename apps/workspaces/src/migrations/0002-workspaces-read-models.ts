import { Migration } from '@mikro-orm/migrations';

/**
 * Read models (inline projections of the organization, workspace and membership streams), the guard rows that
 * keep cross-aggregate invariants (one personal workspace per user, globally unique slugs), join codes and the
 * workspace id sequence. Foreign keys are deferred to COMMIT: the rows of one creation are written in the
 * order the events are appended, which is not always parent first (the personal-workspace guard comes first).
 */
export class WorkspacesReadModels extends Migration {
  override up(): void {
    this.addSql(`CREATE SEQUENCE workspace_ids AS integer MINVALUE 1 START 1`);
    this.addSql(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        slug text NOT NULL CONSTRAINT organizations_slug_key UNIQUE,
        workos_organization_id text,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL,
        version integer NOT NULL
      )`);
    this.addSql(`
      CREATE TABLE organization_members (
        organization_id uuid NOT NULL REFERENCES organizations (id) DEFERRABLE INITIALLY DEFERRED,
        user_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'billing_admin')),
        joined_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, user_id)
      )`);
    this.addSql(`CREATE INDEX organization_members_user_id_idx ON organization_members (user_id)`);
    this.addSql(`
      CREATE TABLE workspaces (
        workspace_id integer PRIMARY KEY CHECK (workspace_id > 0),
        organization_id uuid NOT NULL REFERENCES organizations (id) DEFERRABLE INITIALLY DEFERRED,
        name text NOT NULL,
        slug text NOT NULL CONSTRAINT workspaces_slug_key UNIQUE,
        domain text,
        icon_storage_id text,
        status text NOT NULL CHECK (status IN ('active', 'pending_payment', 'limit_reached', 'suspended')),
        plan_name text NOT NULL CHECK (plan_name IN ('free', 'pro', 'team')),
        billing_cycle text NOT NULL CHECK (billing_cycle IN ('monthly', 'annual')),
        enabled_providers jsonb NOT NULL CHECK (jsonb_typeof(enabled_providers) = 'array' AND jsonb_array_length(enabled_providers) > 0),
        personal boolean NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL,
        version integer NOT NULL
      )`);
    this.addSql(`CREATE INDEX workspaces_organization_id_idx ON workspaces (organization_id)`);
    this.addSql(`
      CREATE TABLE workspace_members (
        workspace_id integer NOT NULL REFERENCES workspaces (workspace_id) DEFERRABLE INITIALLY DEFERRED,
        user_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        joined_via text NOT NULL,
        joined_at timestamptz NOT NULL,
        version integer NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      )`);
    this.addSql(`CREATE INDEX workspace_members_user_id_idx ON workspace_members (user_id)`);
    this.addSql(`
      CREATE TABLE workspace_join_codes (
        workspace_id integer PRIMARY KEY REFERENCES workspaces (workspace_id) DEFERRABLE INITIALLY DEFERRED,
        code text NOT NULL CONSTRAINT workspace_join_codes_code_key UNIQUE,
        expires_at timestamptz,
        issued_at timestamptz NOT NULL
      )`);
    this.addSql(`
      CREATE TABLE personal_workspaces (
        user_id uuid PRIMARY KEY,
        workspace_id integer NOT NULL UNIQUE REFERENCES workspaces (workspace_id) DEFERRABLE INITIALLY DEFERRED,
        organization_id uuid NOT NULL REFERENCES organizations (id) DEFERRABLE INITIALLY DEFERRED,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE slug_reservations (
        kind text NOT NULL CHECK (kind IN ('workspace', 'organization')),
        slug text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) BETWEEN 2 AND 50),
        owner_id text NOT NULL,
        reserved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, slug)
      )`);
  }
}
