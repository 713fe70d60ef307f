import { Migration } from '@mikro-orm/migrations';

/**
 * Workspace icons and each user's navigation state.
 * - `icon_uploads`: one row per upload ticket. The URL's token only as its SHA-256; the bytes (≤ 1 MiB) once
 *   uploaded; `claimed_by_workspace` once a workspace uses it as its icon. Unclaimed rows are purged after a
 *   configurable age by the icon sweeper.
 * - `icon_upload_chunks`: pieces of an upload in flight (NATS messages stay under 1 MiB), keyed by the upload
 *   attempt so two PUTs to one URL never mix; removed when the upload completes or is refused, or by the sweeper.
 * - `navigation_states`: the organization and workspace a user chose as current (a preference, not an event).
 */
export class IconsAndNavigation extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE icon_uploads (
        storage_id uuid PRIMARY KEY,
        token_sha256 text NOT NULL,
        issued_to_user uuid NOT NULL,
        workspace_id integer,
        status text NOT NULL CHECK (status IN ('issued', 'uploaded')),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        content_type text CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
        size integer,
        width integer,
        height integer,
        bytes bytea,
        uploaded_at timestamptz,
        claimed_by_workspace integer,
        claimed_at timestamptz
      )`);
    this.addSql(`CREATE INDEX icon_uploads_unclaimed_idx ON icon_uploads (created_at) WHERE claimed_by_workspace IS NULL`);
    this.addSql(`CREATE INDEX icon_uploads_claimed_idx ON icon_uploads (claimed_by_workspace) WHERE claimed_by_workspace IS NOT NULL`);
    this.addSql(`
      CREATE TABLE icon_upload_chunks (
        storage_id uuid NOT NULL REFERENCES icon_uploads (storage_id) ON DELETE CASCADE,
        upload_id uuid NOT NULL,
        chunk_index integer NOT NULL CHECK (chunk_index >= 0),
        bytes bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (storage_id, upload_id, chunk_index)
      )`);
    this.addSql(`CREATE INDEX icon_upload_chunks_age_idx ON icon_upload_chunks (created_at)`);
    this.addSql(`
      CREATE TABLE navigation_states (
        user_id uuid PRIMARY KEY,
        organization_id uuid,
        workspace_id integer,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }
}
