import { Migration } from '@mikro-orm/migrations';

/**
 * What search needs beyond 0002's full-text search:
 *
 * - Trigram matching (`pg_trgm`, created by the admin connection into the `extensions` schema, see
 *   libs/event-store/src/database.ts): a GIN index over the searchable text of a memory, led by `workspace_id`
 *   (`btree_gin`), so a misspelt or partial term that full-text search cannot find is looked up inside one
 *   workspace instead of across all of them.
 * - The full-text index led by `workspace_id` as well: with many workspaces, a common term no longer
 *   scans every workspace's matches to keep the caller's.
 * - The Elasticsearch adapter's sync queue: while `search_index_sync.enabled` (set by that adapter at start), a
 *   trigger records every memory whose searchable or filtered columns change, in the write's own transaction;
 *   the adapter indexes those rows before it answers a search of their workspace (read-your-writes). With the
 *   PostgreSQL adapter the flag is off and the trigger records nothing.
 */
export class SearchTrigram extends Migration {
  override up(): void {
    // The text trigram matching looks at. array_to_string is only STABLE in general (element output functions),
    // but for text[] it cannot change, so the wrapper may be IMMUTABLE and serve as an index expression.
    this.addSql(`
      CREATE FUNCTION memory_trigram_text(title text, tags text[], observation text, body_md text, path text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(title, '') || ' ' || pg_catalog.array_to_string(tags, ' ') || ' ' || coalesce(observation, body_md, '') || ' ' ||
               pg_catalog.translate(coalesce(path, ''), '/._-', '    ')
      $$`);
    this.addSql(`
      CREATE INDEX memories_trigram ON memories
      USING gin (workspace_id, memory_trigram_text(title, tags, observation, body_md, path) extensions.gin_trgm_ops)`);
    this.addSql(`CREATE INDEX memories_search_by_workspace ON memories USING gin (workspace_id, search_vector)`);
    this.addSql(`DROP INDEX memories_search_vector`);

    this.addSql(`CREATE TABLE search_index_sync (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), enabled boolean NOT NULL DEFAULT false)`);
    this.addSql(`INSERT INTO search_index_sync DEFAULT VALUES`);
    this.addSql(`
      CREATE TABLE search_index_queue (
        seq bigserial PRIMARY KEY,
        workspace_id integer NOT NULL,
        memory_id uuid NOT NULL
      )`);
    this.addSql(`CREATE INDEX search_index_queue_by_workspace ON search_index_queue (workspace_id, seq)`);
    this.addSql(`
      CREATE FUNCTION memories_search_index_queue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM search_index_sync WHERE enabled) THEN
          IF TG_OP = 'DELETE' THEN
            INSERT INTO search_index_queue (workspace_id, memory_id) VALUES (OLD.workspace_id, OLD.id);
          ELSE
            INSERT INTO search_index_queue (workspace_id, memory_id) VALUES (NEW.workspace_id, NEW.id);
          END IF;
        END IF;
        RETURN NULL;
      END
      $$`);
    // recall_count and content_key are left out: they change no indexed field.
    this.addSql(`
      CREATE TRIGGER memories_search_index_queue
      AFTER INSERT OR DELETE OR UPDATE OF title, tags, observation, body_md, path, importance, agent_id, space_id, expires_at, created_at, updated_at
      ON memories FOR EACH ROW EXECUTE FUNCTION memories_search_index_queue()`);
  }
}
