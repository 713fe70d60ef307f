import { MnemoError, SCOPES, type Scope } from '@mnemo/contracts';
import { decideApiKey, type ApiKeyCommand, type VerifiedCaller } from './api-key.decide';
import { initialApiKeyState, type ApiKeyEvent } from './api-key.events';
import { evolveApiKey } from './api-key.evolve';

const now = new Date('2026-11-25T12:00:00Z');
const owner: VerifiedCaller = { caller: { kind: 'session', user_id: 'u1' }, scopes: SCOPES, userId: 'u1' };
const agentKey = (scopes: Scope[]): VerifiedCaller => ({
  caller: { kind: 'key', key_id: 'k0', scopes, agent_id: 'agent-1', created_by: 'u1' },
  scopes,
  userId: 'u1',
});

const create = (overrides: Partial<Extract<ApiKeyCommand, { type: 'create' }>> = {}): ApiKeyCommand => ({
  type: 'create',
  workspaceId: 42,
  name: 'ci',
  scopes: ['memory:read'],
  agentId: null,
  expiresAt: null,
  prefix: 'mnemo_abcd',
  by: owner,
  now,
  ...overrides,
});

function stateAfter(...events: ApiKeyEvent[]) {
  return events.reduce(evolveApiKey, initialApiKeyState);
}

function refusal(command: ApiKeyCommand, events: ApiKeyEvent[] = []): string {
  try {
    decideApiKey(command, stateAfter(...events));
  } catch (error) {
    expect(error).toBeInstanceOf(MnemoError);
    return (error as MnemoError).code;
  }
  throw new Error('the command was not refused');
}

const created = decideApiKey(create(), initialApiKeyState);

describe('API key rules', () => {
  it('creates a key with the requested scopes and records its creator', () => {
    expect(created).toEqual([
      { type: 'key.created', data: { workspace_id: 42, name: 'ci', scopes: ['memory:read'], agent_id: null, expires_at: null, prefix: 'mnemo_abcd', created_by: 'u1' } },
    ]);
  });

  it('lets a key mint only a subset of its own scopes', () => {
    const admin = agentKey(['workspace:admin', 'memory:read']);
    expect(decideApiKey(create({ by: admin, scopes: ['memory:read'], agentId: 'agent-1' }), initialApiKeyState)).toHaveLength(1);
    expect(refusal(create({ by: admin, scopes: ['memory:write'], agentId: 'agent-1' }))).toBe('FORBIDDEN');
  });

  it('lets an agent-bound key mint only keys bound to its agent', () => {
    const admin = agentKey(['workspace:admin', 'memory:read']);
    expect(refusal(create({ by: admin, agentId: 'agent-2' }))).toBe('FORBIDDEN');
    expect(refusal(create({ by: admin, agentId: null }))).toBe('FORBIDDEN');
  });

  it('needs workspace:admin, non-empty scopes and a future expiry', () => {
    expect(refusal(create({ by: { ...owner, scopes: ['memory:read', 'memory:write'] } }))).toBe('FORBIDDEN');
    expect(refusal(create({ scopes: [] }))).toBe('VALIDATION_ERROR');
    expect(refusal(create({ expiresAt: '2026-11-25T11:59:59Z' }))).toBe('VALIDATION_ERROR');
  });

  it('treats a key of another workspace, or a revoked one, as not found', () => {
    expect(refusal({ type: 'revoke', workspaceId: 43, by: owner }, created)).toBe('NOT_FOUND');
    expect(refusal({ type: 'revoke', workspaceId: 42, by: owner }, [...created, { type: 'key.revoked', data: {} }])).toBe('NOT_FOUND');
  });

  it('disables, re-enables and renames; an unchanged update appends nothing', () => {
    expect(decideApiKey({ type: 'update', workspaceId: 42, enabled: false, by: owner }, stateAfter(...created))).toEqual([{ type: 'key.updated', data: { enabled: false } }]);
    expect(decideApiKey({ type: 'update', workspaceId: 42, enabled: true, name: 'ci', by: owner }, stateAfter(...created))).toEqual([]);
  });

  it('rotates with the window in which the old secret stays valid', () => {
    expect(decideApiKey({ type: 'rotate', workspaceId: 42, prefix: 'mnemo_efgh', previousValidUntil: '2026-11-26T12:00:00Z', by: owner }, stateAfter(...created))).toEqual([
      { type: 'key.rotated', data: { prefix: 'mnemo_efgh', previous_secret_valid_until: '2026-11-26T12:00:00Z' } },
    ]);
  });
});
