import type { MemoryEvent } from '@mnemo/contracts';
import type { MemoryState } from './memory.state';

export function evolveMemory(state: MemoryState, event: MemoryEvent): MemoryState {
  switch (event.type) {
    case 'memory.created': {
      const { workspace_id, uuid: _uuid, created_at: _created, updated_at: _updated, ...content } = event.data;
      return { status: 'live', workspaceId: workspace_id, content };
    }
    case 'memory.updated':
      return { ...state, content: state.content && { ...state.content, ...event.data.changes } };
    case 'memory.deleted':
      return { ...state, status: 'deleted' };
    case 'memory.expired':
      return { ...state, status: 'expired' };
    case 'memory.purged':
      // The content was redacted from the stream; nothing of it survives a replay either.
      return { ...state, status: state.status === 'live' ? 'deleted' : state.status, content: null };
    default:
      return state;
  }
}
