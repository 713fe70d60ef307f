import { Migration } from '@mikro-orm/migrations';

/**
 * Memory uuids and context space ids are unique per workspace, not globally (API.md export/import: an export
 * imported into another workspace of the same installation keeps its uuids).
 *
 * - Primary keys become `(workspace_id, id)` on `memories` and `(owner_workspace_id, id)` on `context_spaces`;
 *   the rows themselves are unchanged (each already names its workspace). `memories_by_workspace` duplicated the
 *   new key and goes; the per-space index is led by the workspace; a space is also found by its id alone (a
 *   grantee names a space by id, see `findLiveSpace`).
 * - `audit_refusal_windows` counts refusals per owner too: one actor may be refused two owners' spaces of one id.
 * - `search_index_queue` already names `(workspace_id, memory_id)`; usage and audit records hold no memory ids.
 * - Event streams `memory-<uuid>` / `space-<uuid>` are renamed `memory-<workspace_id>-<uuid>` /
 *   `space-<owner_workspace_id>-<uuid>` (the owner is the events' `workspaceId` metadata; every event of one of
 *   these streams has the same), and so are the `streamId`s of outbox rows not yet published. This UPDATE of
 *   `stream_id` is the one-time exception to the append-only event table (0007 revoked UPDATE from the app role;
 *   it runs here as `memory_owner`, which owns the table): it renames streams, never touches an event's data.
 */
export class IdsPerWorkspace extends Migration {
  override up(): void {
    this.addSql(`ALTER TABLE memories DROP CONSTRAINT memories_pkey, ADD PRIMARY KEY (workspace_id, id)`);
    this.addSql(`DROP INDEX memories_by_workspace`);
    this.addSql(`DROP INDEX memories_by_space`);
    this.addSql(`CREATE INDEX memories_by_space ON memories (workspace_id, space_id, id DESC) WHERE space_id IS NOT NULL`);

    this.addSql(`ALTER TABLE context_spaces DROP CONSTRAINT context_spaces_pkey, ADD PRIMARY KEY (owner_workspace_id, id)`);
    this.addSql(`CREATE INDEX context_spaces_by_id ON context_spaces (id) WHERE deleted_at IS NULL`);

    this.addSql(`ALTER TABLE audit_refusal_windows DROP CONSTRAINT audit_refusal_windows_pkey, ADD PRIMARY KEY (owner_workspace_id, actor, resource_id, window_start)`);

    const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
    for (const prefix of ['memory', 'space']) {
      // `<prefix>-<uuid>` → `<prefix>-<workspace_id>-<uuid>`; already renamed streams do not match the pattern.
      this.addSql(`
        UPDATE events SET stream_id = '${prefix}-' || (metadata ->> 'workspaceId') || '-' || substr(stream_id, ${prefix.length + 2})
        WHERE stream_id ~ '^${prefix}-${uuid}$' AND (metadata ->> 'workspaceId') ~ '^[1-9][0-9]*$'`);
      this.addSql(`
        UPDATE outbox SET payload = jsonb_set(payload, '{streamId}', to_jsonb('${prefix}-' || (payload ->> 'workspaceId') || '-' || substr(payload ->> 'streamId', ${prefix.length + 2})))
        WHERE payload ->> 'streamId' ~ '^${prefix}-${uuid}$' AND (payload ->> 'workspaceId') ~ '^[1-9][0-9]*$'`);
    }
  }
}
