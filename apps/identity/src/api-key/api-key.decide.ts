import { MnemoError, type KeyOperationCaller, type Scope } from '@mnemo/contracts';
import type { ApiKeyEvent, ApiKeyState } from './api-key.events';

/** The caller as identity has verified it: a session user's scopes come from their current role. */
export interface VerifiedCaller {
  caller: KeyOperationCaller;
  scopes: readonly Scope[];
  /** The id recorded as `created_by`: the user behind the request. */
  userId: string;
}

export type ApiKeyCommand =
  | {
      type: 'create';
      workspaceId: number;
      name: string;
      scopes: Scope[];
      agentId: string | null;
      expiresAt: string | null;
      prefix: string;
      by: VerifiedCaller;
      now: Date;
    }
  | { type: 'update'; workspaceId: number; name?: string; enabled?: boolean; by: VerifiedCaller }
  | { type: 'rotate'; workspaceId: number; prefix: string; by: VerifiedCaller; previousValidUntil: string }
  | { type: 'revoke'; workspaceId: number; by: VerifiedCaller };

function requireAdmin(by: VerifiedCaller): void {
  if (!by.scopes.includes('workspace:admin')) throw new MnemoError('FORBIDDEN', 'managing API keys needs the workspace:admin scope');
}

/** An agent-bound key manages only keys bound to its own agent. */
function requireSameAgent(by: VerifiedCaller, agentId: string | null): void {
  if (by.caller.kind === 'key' && by.caller.agent_id !== null && agentId !== by.caller.agent_id) {
    throw new MnemoError('FORBIDDEN', 'an agent-bound key can only manage keys bound to the same agent', { agent_id: by.caller.agent_id });
  }
}

export function decideApiKey(command: ApiKeyCommand, state: ApiKeyState): ApiKeyEvent[] {
  requireAdmin(command.by);
  if (command.type === 'create') {
    if (state.status !== 'none') throw new MnemoError('CONFLICT', 'this key id already exists');
    if (command.scopes.length === 0) throw new MnemoError('VALIDATION_ERROR', 'scopes must not be empty');
    const beyond = command.scopes.filter((scope) => !command.by.scopes.includes(scope));
    if (beyond.length > 0) {
      throw new MnemoError('FORBIDDEN', `a new key can only have scopes its creator has; not: ${beyond.join(', ')}`, { scopes: beyond });
    }
    requireSameAgent(command.by, command.agentId);
    if (command.expiresAt !== null && new Date(command.expiresAt) <= command.now) {
      throw new MnemoError('VALIDATION_ERROR', 'expires_at must be in the future');
    }
    return [
      {
        type: 'key.created',
        data: {
          workspace_id: command.workspaceId,
          name: command.name,
          scopes: [...new Set(command.scopes)],
          agent_id: command.agentId,
          expires_at: command.expiresAt,
          prefix: command.prefix,
          created_by: command.by.userId,
        },
      },
    ];
  }
  // A key of another workspace, or one that is gone, does not exist for this caller.
  if (state.status !== 'active' || state.workspaceId !== command.workspaceId) throw new MnemoError('NOT_FOUND', 'no such API key');
  requireSameAgent(command.by, state.agentId);
  switch (command.type) {
    case 'update': {
      const data: { name?: string; enabled?: boolean } = {};
      if (command.name !== undefined && command.name !== state.name) data.name = command.name;
      if (command.enabled !== undefined && command.enabled !== state.enabled) data.enabled = command.enabled;
      return Object.keys(data).length === 0 ? [] : [{ type: 'key.updated', data }];
    }
    case 'rotate':
      return [{ type: 'key.rotated', data: { prefix: command.prefix, previous_secret_valid_until: command.previousValidUntil } }];
    case 'revoke':
      return [{ type: 'key.revoked', data: {} }];
  }
}
