import { Migration } from '@mikro-orm/migrations';

/**
 * The `memories` read model (inline projection of the memory streams) with what search needs.
 *
 * Search is PostgreSQL full-text search alone: `pg_trgm` would need CREATE EXTENSION, which `memory_owner`
 * (who runs this) may not do — it has no CREATE on the database — and the bootstrap that runs as the admin
 * does not install it. The search vector is kept by a trigger, so every write is searchable at once.
 * Weights tell the matched fields apart: A title, B tags, C observation or body_md (a memory has one), D path.
 */
export class MemoriesReadModel extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE memories (
        id uuid PRIMARY KEY,
        workspace_id integer NOT NULL CHECK (workspace_id > 0),
        observation text,
        title text,
        body_md text,
        path text,
        tags text[] NOT NULL DEFAULT '{}',
        importance smallint NOT NULL CHECK (importance BETWEEN 1 AND 10),
        confidence double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
        recall_count integer NOT NULL DEFAULT 0,
        agent_id text,
        space_id uuid,
        expires_at timestamptz,
        content_key text,
        version integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        search_vector tsvector NOT NULL DEFAULT ''::tsvector,
        CHECK (observation IS NOT NULL OR (body_md IS NOT NULL AND path IS NOT NULL))
      )`);
    // One document per path and workspace; text_pattern_ops also serves whole-segment prefix matches (LIKE 'p/%').
    this.addSql(`CREATE UNIQUE INDEX memories_path_key ON memories (workspace_id, path text_pattern_ops) WHERE path IS NOT NULL`);
    this.addSql(`CREATE INDEX memories_by_workspace ON memories (workspace_id, id DESC)`);
    this.addSql(`CREATE INDEX memories_content_key ON memories (workspace_id, content_key) WHERE content_key IS NOT NULL`);
    this.addSql(`CREATE INDEX memories_search_vector ON memories USING gin (search_vector)`);
    this.addSql(`CREATE INDEX memories_tags ON memories USING gin (tags)`);
    this.addSql(`CREATE INDEX memories_expiry ON memories (expires_at) WHERE expires_at IS NOT NULL`);
    this.addSql(`
      CREATE FUNCTION memories_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.search_vector :=
          setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
          setweight(to_tsvector('english', array_to_string(NEW.tags, ' ')), 'B') ||
          setweight(to_tsvector('english', coalesce(NEW.observation, NEW.body_md, '')), 'C') ||
          setweight(to_tsvector('english', translate(coalesce(NEW.path, ''), '/._-', '    ')), 'D');
        RETURN NEW;
      END
      $$`);
    this.addSql(`
      CREATE TRIGGER memories_search_vector BEFORE INSERT OR UPDATE OF title, tags, observation, body_md, path ON memories
      FOR EACH ROW EXECUTE FUNCTION memories_search_vector()`);
  }
}
