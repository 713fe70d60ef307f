import type { ApiKeyEvent, ApiKeyState } from './api-key.events';

export function evolveApiKey(state: ApiKeyState, event: ApiKeyEvent | { type: string; data: unknown }): ApiKeyState {
  const e = event as ApiKeyEvent;
  switch (e.type) {
    case 'key.created':
      return {
        status: 'active',
        workspaceId: e.data.workspace_id,
        name: e.data.name,
        scopes: e.data.scopes,
        agentId: e.data.agent_id,
        enabled: true,
        expiresAt: e.data.expires_at,
        createdBy: e.data.created_by,
      };
    case 'key.updated':
      return { ...state, ...(e.data.name !== undefined ? { name: e.data.name } : {}), ...(e.data.enabled !== undefined ? { enabled: e.data.enabled } : {}) };
    case 'key.revoked':
      return { ...state, status: 'revoked', enabled: false };
    default:
      return state;
  }
}
