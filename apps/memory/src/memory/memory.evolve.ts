import type { MemoryEvent } from '@mnemo/contracts';
import type { MemoryState } from './memory.state';

export function evolveMemory(state: MemoryState, event: MemoryEvent): MemoryState {
  switch (event.type) {
    case 'memory.created': {
      const { workspace_id, uuid: _uuid, ...content } = event.data;
      return { status: 'live', workspaceId: workspace_id, content };
    }
    case 'memory.updated':
      return { ...state, content: state.content && { ...state.content, ...event.data.changes } };
    case 'memory.deleted':
      return { ...state, status: 'deleted' };
    case 'memory.expired':
      return { ...state, status: 'expired' };
    default:
      return state;
  }
}
