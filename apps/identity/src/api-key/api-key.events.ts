import type { Scope } from '@mnemo/contracts';

/** Key events never carry the secret or its digest: those live in `api_key_secrets` only. */
export type ApiKeyEvent =
  | {
      type: 'key.created';
      data: { workspace_id: number; name: string; scopes: Scope[]; agent_id: string | null; expires_at: string | null; prefix: string; created_by: string };
    }
  | { type: 'key.updated'; data: { name?: string; enabled?: boolean } }
  | { type: 'key.rotated'; data: { prefix: string; previous_secret_valid_until: string } }
  | { type: 'key.revoked'; data: Record<string, never> };

export interface ApiKeyState {
  status: 'none' | 'active' | 'revoked';
  workspaceId?: number;
  name?: string;
  scopes: Scope[];
  agentId: string | null;
  enabled: boolean;
  expiresAt: string | null;
  createdBy?: string;
}

export const initialApiKeyState: ApiKeyState = { status: 'none', scopes: [], agentId: null, enabled: false, expiresAt: null };

export function apiKeyStreamId(keyId: string): string {
  return `key-${keyId}`;
}
