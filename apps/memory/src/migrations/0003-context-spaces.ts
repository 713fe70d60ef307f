import { Migration } from '@mikro-orm/migrations';

/**
 * Context spaces (inline projection of the space streams). A deleted space keeps its row with `deleted_at`: its
 * memories are kept and stay behind its agent gate.
 */
export class ContextSpacesReadModel extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE context_spaces (
        id uuid PRIMARY KEY,
        owner_workspace_id integer NOT NULL CHECK (owner_workspace_id > 0),
        name text NOT NULL,
        description text,
        allowed_agent_ids text[] NOT NULL DEFAULT '{}',
        allowed_tenant_ids integer[] NOT NULL DEFAULT '{}',
        tags text[] NOT NULL DEFAULT '{}',
        version integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        deleted_at timestamptz
      )`);
    this.addSql(`CREATE INDEX context_spaces_by_owner ON context_spaces (owner_workspace_id, id) WHERE deleted_at IS NULL`);
    this.addSql(`CREATE INDEX context_spaces_by_grantee ON context_spaces USING gin (allowed_tenant_ids) WHERE deleted_at IS NULL`);
    this.addSql(`CREATE INDEX memories_by_space ON memories (space_id, id DESC) WHERE space_id IS NOT NULL`);
  }
}
