import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, MemoryContent, MemoryCreated } from '@mnemo/contracts';
import { purgeMemoryContent } from '../erasure/purge';
import { asMemoryEvent } from './memory.state';

/**
 * The key under which an observation without a path is deduplicated: the same text, by the same agent, in the
 * same space. Documents (memories with a path) are identified by their path instead.
 */
export function contentKeyOf(content: Pick<MemoryContent, 'observation' | 'path' | 'agent_id' | 'space_id'>): string | null {
  if (content.path !== null || content.observation === null) return null;
  return createHash('sha256')
    .update(JSON.stringify([content.space_id, content.agent_id, content.observation]))
    .digest('hex');
}

const COLUMN_OF: Record<keyof MemoryContent, string> = {
  observation: 'observation',
  title: 'title',
  body_md: 'body_md',
  path: 'path',
  tags: 'tags',
  importance: 'importance',
  confidence: 'confidence',
  agent_id: 'agent_id',
  space_id: 'space_id',
  expires_at: 'expires_at',
};

// Arrays travel as one JSON parameter: the driver would expand an array parameter into a list.
const TAGS_FROM_JSON = 'ARRAY(SELECT jsonb_array_elements_text(?::jsonb))';

const INSERT_CHUNK = 500;

/** Rows of new memories, many per statement (a batch of 1000 is two statements). */
export async function insertCreatedMemories(em: EntityManager, envelopes: EventEnvelope[]): Promise<void> {
  for (let start = 0; start < envelopes.length; start += INSERT_CHUNK) {
    const chunk = envelopes.slice(start, start + INSERT_CHUNK).map((envelope) => ({ envelope, d: asMemoryEvent(envelope).data as MemoryCreated }));
    await em.execute(
      `INSERT INTO memories (id, workspace_id, observation, title, body_md, path, tags, importance, confidence, agent_id, space_id,
                             expires_at, content_key, version, created_at, updated_at)
       VALUES ${chunk.map(() => `(?, ?, ?, ?, ?, ?, ${TAGS_FROM_JSON}, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).join(', ')}`,
      chunk.flatMap(({ envelope, d }) => [
        d.uuid, d.workspace_id, d.observation, d.title, d.body_md, d.path, JSON.stringify(d.tags), d.importance, d.confidence, d.agent_id,
        d.space_id, d.expires_at, contentKeyOf(d), envelope.streamVersion, d.created_at ?? envelope.occurredAt, d.updated_at ?? envelope.occurredAt,
      ]),
    );
  }
}

/**
 * The `memories` read model, kept in the append's transaction (the writer reads its own write, and the search
 * vector is maintained by a trigger on the row, so a write is searchable in the next request). Deleted and
 * expired memories leave the table at once: their content is gone from every read.
 */
export async function projectMemoryEvents(em: EntityManager, events: EventEnvelope[]): Promise<void> {
  for (const envelope of events) {
    const event = asMemoryEvent(envelope);
    switch (event.type) {
      case 'memory.created':
        await insertCreatedMemories(em, [envelope]);
        break;
      case 'memory.updated': {
        const sets: string[] = [];
        const params: unknown[] = [];
        for (const [field, value] of Object.entries(event.data.changes) as [keyof MemoryContent, unknown][]) {
          sets.push(field === 'tags' ? `tags = ${TAGS_FROM_JSON}` : `${COLUMN_OF[field]} = ?`);
          params.push(field === 'tags' ? JSON.stringify(value) : value);
        }
        const [row] = await em.execute<{ observation: string | null; path: string | null; agent_id: string | null; space_id: string | null }[]>(
          `UPDATE memories SET ${[...sets, 'version = ?', 'updated_at = ?'].join(', ')} WHERE workspace_id = ? AND id = ?
           RETURNING observation, path, agent_id, space_id`,
          [...params, envelope.streamVersion, envelope.occurredAt, event.data.workspace_id, event.data.uuid],
        );
        if (row) await em.execute('UPDATE memories SET content_key = ? WHERE workspace_id = ? AND id = ?', [contentKeyOf(row), event.data.workspace_id, event.data.uuid]);
        break;
      }
      case 'memory.deleted':
      case 'memory.expired':
        await em.execute('DELETE FROM memories WHERE workspace_id = ? AND id = ?', [event.data.workspace_id, event.data.uuid]);
        break;
      case 'memory.purged':
        // Erasure happens at once, in the transaction of the delete (DESIGN.md "Erasure").
        if (event.data.scope === 'memory' && event.data.uuid !== null) await purgeMemoryContent(em, event.data.workspace_id, event.data.uuid);
        break;
    }
  }
}
