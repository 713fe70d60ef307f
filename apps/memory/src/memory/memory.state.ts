import type { EventEnvelope, MemoryContent, MemoryEvent } from '@mnemo/contracts';

/** A memory as its events left it. `expired` and `deleted` memories are gone from every read. */
export interface MemoryState {
  status: 'none' | 'live' | 'deleted' | 'expired';
  workspaceId: number | null;
  content: MemoryContent | null;
}

export const initialMemoryState: MemoryState = { status: 'none', workspaceId: null, content: null };

/**
 * Stored envelopes carry `{ type, data }` untyped; the store only ever holds events `decideMemory` produced,
 * so reading them back as the union is safe.
 */
export function asMemoryEvent(envelope: EventEnvelope): MemoryEvent {
  return { type: envelope.type, data: envelope.data } as unknown as MemoryEvent;
}
