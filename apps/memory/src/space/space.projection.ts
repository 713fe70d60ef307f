import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, SpaceSettings } from '@mnemo/contracts';
import { asSpaceEvent } from './space.state';

// Arrays travel as one JSON parameter: the driver would expand an array parameter into a list.
const TEXT_ARRAY = 'ARRAY(SELECT jsonb_array_elements_text(?::jsonb))';
const INT_ARRAY = 'ARRAY(SELECT jsonb_array_elements_text(?::jsonb)::int)';

/** A space id is unique per owner workspace: the owner of a space event is its envelope's owner id. */
function ownerOf(envelope: EventEnvelope): number {
  const owner = Number(envelope.workspaceId);
  if (!Number.isInteger(owner) || owner <= 0) throw new Error(`space event ${envelope.id} names no owner workspace`);
  return owner;
}

/** The `context_spaces` read model, kept in the append's transaction. A deleted space keeps its row, marked. */
export async function projectSpaceEvents(em: EntityManager, events: EventEnvelope[]): Promise<void> {
  for (const envelope of events) {
    const event = asSpaceEvent(envelope);
    switch (event.type) {
      case 'space.created': {
        const d = event.data;
        await em.execute(
          `INSERT INTO context_spaces (id, owner_workspace_id, name, description, allowed_agent_ids, allowed_tenant_ids, tags, version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ${TEXT_ARRAY}, ${INT_ARRAY}, ${TEXT_ARRAY}, ?, ?, ?)`,
          [d.space_id, d.owner_workspace_id, d.name, d.description, JSON.stringify(d.allowed_agent_ids), JSON.stringify(d.allowed_tenant_ids), JSON.stringify(d.tags), envelope.streamVersion, envelope.occurredAt, envelope.occurredAt],
        );
        break;
      }
      case 'space.updated': {
        const sets: string[] = [];
        const params: unknown[] = [];
        for (const [field, value] of Object.entries(event.data.changes) as [keyof SpaceSettings, unknown][]) {
          if (field === 'name' || field === 'description') {
            sets.push(`${field} = ?`);
            params.push(value);
          } else {
            sets.push(`${field} = ${field === 'allowed_tenant_ids' ? INT_ARRAY : TEXT_ARRAY}`);
            params.push(JSON.stringify(value));
          }
        }
        await em.execute(`UPDATE context_spaces SET ${[...sets, 'version = ?', 'updated_at = ?'].join(', ')} WHERE owner_workspace_id = ? AND id = ?`, [
          ...params,
          envelope.streamVersion,
          envelope.occurredAt,
          ownerOf(envelope),
          event.data.space_id,
        ]);
        break;
      }
      case 'space.deleted':
        await em.execute('UPDATE context_spaces SET deleted_at = ?, version = ? WHERE owner_workspace_id = ? AND id = ?', [envelope.occurredAt, envelope.streamVersion, ownerOf(envelope), event.data.space_id]);
        break;
    }
  }
}
