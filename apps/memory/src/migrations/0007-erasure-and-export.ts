import { Migration } from '@mikro-orm/migrations';

/**
 * Erasure and import (DESIGN.md "Erasure", API.md export/import).
 *
 * The event table is append-only for the app role: UPDATE, DELETE and TRUNCATE on `events` are revoked from
 * `memory_app` (the default privileges granted them). The one mutation of old events, redacting content in
 * place, goes through `redact_stored_content`, a SECURITY DEFINER function owned by `memory_owner`. That is
 * narrower than a column-level `GRANT UPDATE (data)`, which would let the app write anything into any event's
 * `data` (rewrite history): the function can only replace the content fields of the content-carrying event
 * types with null / [] for one workspace's streams, and touches nothing else. Pending outbox rows of those
 * events are redacted with them, so the relay never publishes content that was erased before it ran.
 *
 * `purged_workspaces` records the workspaces whose content was erased (a purge runs once, whether the
 * `workspace.deleted` consumer or an account erasure's step gets there first). `import_parts` stages the parts
 * of an import page too large for one NATS message until the page is imported in one transaction.
 */
export class ErasureAndExport extends Migration {
  override up(): void {
    this.addSql(`REVOKE UPDATE, DELETE, TRUNCATE ON events FROM memory_app`);

    // What a redacted event keeps: ids, kind, numbers and flags; every text a person wrote becomes null, tags [].
    this.addSql(`
      CREATE FUNCTION redacted_event_data(event_type text, data jsonb) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
        SELECT CASE
          WHEN event_type = 'memory.created' THEN
            data || '{"observation": null, "title": null, "body_md": null, "path": null, "tags": []}'::jsonb
          WHEN event_type = 'space.created' THEN
            data || '{"name": null, "description": null, "tags": []}'::jsonb
          WHEN event_type IN ('memory.updated', 'space.updated') AND jsonb_typeof(data -> 'changes') = 'object' THEN
            jsonb_set(data, '{changes}', coalesce((
              SELECT jsonb_object_agg(key, CASE
                WHEN key = 'tags' THEN '[]'::jsonb
                WHEN key IN ('observation', 'title', 'body_md', 'path', 'name', 'description') THEN 'null'::jsonb
                ELSE value END)
              FROM jsonb_each(data -> 'changes')), '{}'::jsonb))
          ELSE data
        END
      $$`);
    this.addSql(`
      CREATE FUNCTION redact_stored_content(p_workspace_id integer, p_stream_ids text[]) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = memory, pg_temp AS $$
      DECLARE
        redacted integer;
      BEGIN
        IF p_workspace_id IS NULL OR p_workspace_id <= 0 THEN
          RAISE EXCEPTION 'redact_stored_content needs a workspace id';
        END IF;
        UPDATE memory.events
          SET data = memory.redacted_event_data(type, data)
          WHERE type IN ('memory.created', 'memory.updated', 'space.created', 'space.updated')
            AND metadata ->> 'workspaceId' = p_workspace_id::text
            AND (p_stream_ids IS NULL OR stream_id = ANY (p_stream_ids));
        GET DIAGNOSTICS redacted = ROW_COUNT;
        UPDATE memory.outbox
          SET payload = jsonb_set(payload, '{data}', memory.redacted_event_data(payload ->> 'type', payload -> 'data'))
          WHERE payload ->> 'type' IN ('memory.created', 'memory.updated', 'space.created', 'space.updated')
            AND payload ->> 'workspaceId' = p_workspace_id::text
            AND (p_stream_ids IS NULL OR payload ->> 'streamId' = ANY (p_stream_ids));
        RETURN redacted;
      END
      $$`);
    this.addSql(`REVOKE ALL ON FUNCTION redact_stored_content(integer, text[]) FROM PUBLIC`);
    this.addSql(`GRANT EXECUTE ON FUNCTION redact_stored_content(integer, text[]) TO memory_app`);

    this.addSql(`
      CREATE TABLE purged_workspaces (
        workspace_id integer PRIMARY KEY CHECK (workspace_id > 0),
        erasure_id text,
        purged_at timestamptz NOT NULL DEFAULT now()
      )`);

    this.addSql(`
      CREATE TABLE import_parts (
        upload_id uuid NOT NULL,
        part integer NOT NULL CHECK (part >= 0),
        workspace_id integer NOT NULL CHECK (workspace_id > 0),
        principal text NOT NULL,
        lines jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (upload_id, part)
      )`);
    this.addSql(`CREATE INDEX import_parts_by_age ON import_parts (created_at)`);
    this.addSql(`CREATE INDEX import_parts_by_workspace ON import_parts (workspace_id)`);
  }
}
