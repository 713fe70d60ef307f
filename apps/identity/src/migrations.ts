import { Migration } from '@mikro-orm/migrations';
import type { ServiceMigration } from '@mnemo/event-store';

/**
 * Identity's read models. Person data (email, name, password hash) lives only in `users`; events carry ids.
 * Secrets and tokens are stored as SHA-256 digests.
 */
class IdentityReadModels extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        email_normalized text NOT NULL,
        name text,
        password_hash text NOT NULL,
        email_verified boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        CONSTRAINT users_email_key UNIQUE (email_normalized)
      )`);
    this.addSql(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    this.addSql('CREATE INDEX sessions_active_by_user ON sessions (user_id) WHERE revoked_at IS NULL');
    this.addSql(`
      CREATE TABLE email_tokens (
        token_hash text PRIMARY KEY,
        user_id uuid NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    this.addSql('CREATE INDEX email_tokens_by_user ON email_tokens (user_id)');
    this.addSql(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        workspace_id bigint NOT NULL,
        name text NOT NULL,
        prefix text NOT NULL,
        scopes jsonb NOT NULL,
        agent_id text,
        enabled boolean NOT NULL DEFAULT true,
        expires_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        revoked_at timestamptz
      )`);
    this.addSql('CREATE INDEX api_keys_live_by_workspace ON api_keys (workspace_id, created_at) WHERE revoked_at IS NULL');
    this.addSql(`
      CREATE TABLE api_key_secrets (
        hash text PRIMARY KEY,
        key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        valid_until timestamptz
      )`);
    this.addSql('CREATE INDEX api_key_secrets_by_key ON api_key_secrets (key_id)');
    // The per-workspace cap is guarded by this row, locked FOR UPDATE in the minting transaction.
    this.addSql(`CREATE TABLE key_counters (workspace_id bigint PRIMARY KEY, live_keys integer NOT NULL DEFAULT 0 CHECK (live_keys >= 0))`);
    // The signup process manager: a personal workspace requested for a user, until the workspaces service made it.
    this.addSql(`
      CREATE TABLE personal_workspace_requests (
        user_id uuid PRIMARY KEY,
        email text NOT NULL,
        name text,
        status text NOT NULL CHECK (status IN ('pending', 'done')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }
}

export const IDENTITY_MIGRATIONS: ServiceMigration[] = [{ name: '0002_identity_read_models', class: IdentityReadModels }];

/**
 * Account erasures: the id is an unguessable capability (only its digest is stored) that answers progress
 * for 30 days; `services` records each service's step of the saga.
 */
class Erasures extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE erasures (
        id_hash text PRIMARY KEY,
        user_id uuid NOT NULL,
        services jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        next_attempt_at timestamptz NOT NULL DEFAULT now()
      )`);
  }
}

IDENTITY_MIGRATIONS.push({ name: '0003_erasures', class: Erasures });
