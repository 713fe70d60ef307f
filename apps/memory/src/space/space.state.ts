import type { EventEnvelope, SpaceEvent, SpaceSettings } from '@mnemo/contracts';

export interface SpaceState {
  status: 'none' | 'live' | 'deleted';
  ownerWorkspaceId: number | null;
  settings: SpaceSettings | null;
}

export const initialSpaceState: SpaceState = { status: 'none', ownerWorkspaceId: null, settings: null };

export function asSpaceEvent(envelope: EventEnvelope): SpaceEvent {
  return { type: envelope.type, data: envelope.data } as unknown as SpaceEvent;
}

export function evolveSpace(state: SpaceState, event: SpaceEvent): SpaceState {
  switch (event.type) {
    case 'space.created': {
      const { space_id: _id, owner_workspace_id, ...settings } = event.data;
      return { status: 'live', ownerWorkspaceId: owner_workspace_id, settings };
    }
    case 'space.updated':
      return { ...state, settings: state.settings && { ...state.settings, ...event.data.changes } };
    case 'space.deleted':
      return { ...state, status: 'deleted' };
    default:
      return state;
  }
}
