import { Migration } from '@mikro-orm/migrations';

/**
 * Invitations (inline projection of the invitation streams; the acceptance token only as its SHA-256) and the
 * record of each account erasure this service carried out, so a repeated `eraseUser` answers the same.
 */
export class InvitationsAndErasures extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE invitations (
        id uuid PRIMARY KEY,
        workspace_id integer NOT NULL REFERENCES workspaces (workspace_id) DEFERRABLE INITIALLY DEFERRED,
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
        status text NOT NULL CHECK (status IN ('pending', 'accepted', 'cancelled')),
        token_sha256 text NOT NULL CONSTRAINT invitations_token_sha256_key UNIQUE,
        invited_by uuid NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        accepted_by uuid,
        accepted_at timestamptz,
        version integer NOT NULL
      )`);
    this.addSql(`CREATE INDEX invitations_pending_workspace_idx ON invitations (workspace_id, email) WHERE status = 'pending'`);
    this.addSql(`CREATE INDEX invitations_pending_email_idx ON invitations (email) WHERE status = 'pending'`);
    this.addSql(`
      CREATE TABLE user_erasures (
        erasure_id text PRIMARY KEY,
        user_id uuid NOT NULL,
        reply jsonb NOT NULL,
        erased_at timestamptz NOT NULL DEFAULT now()
      )`);
  }
}
