import { MnemoError, type ErrorCode, type MemoryCaller, type SpaceEvent } from '@mnemo/contracts';
import { decideSpace, type SpaceCommand } from './space.decide';
import { checkSpaceInput } from './space.input';
import { evolveSpace, initialSpaceState } from './space.state';

const spaceId = '01900000-0000-7000-8000-0000000000aa';
const admin: MemoryCaller = { workspace_id: 42, principal: 'user:u1', agent_id: null, scopes: ['memory:read', 'memory:write', 'spaces:admin'] };
const agent = (id: string): MemoryCaller => ({ ...admin, principal: 'key:k1', agent_id: id });
const created = (allowed: string[] = []): SpaceEvent => ({
  type: 'space.created',
  data: { space_id: spaceId, owner_workspace_id: 42, name: 'support', description: null, allowed_agent_ids: allowed, allowed_tenant_ids: [], tags: [] },
});

function outcome(history: SpaceEvent[], command: SpaceCommand): SpaceEvent[] | ErrorCode {
  const state = history.reduce(evolveSpace, initialSpaceState);
  try {
    return decideSpace(command, state);
  } catch (error) {
    if (error instanceof MnemoError) return error.code;
    throw error;
  }
}

describe('context space rules', () => {
  it('creates with novyx defaults', () => {
    expect(outcome([], { type: 'CreateSpace', spaceId, caller: admin, input: { name: 'support' }, sharingAllowed: false })).toEqual([created()]);
  });

  it('needs a plan with sharing for other workspaces, and never lists the owner', () => {
    const share = (sharingAllowed: boolean, tenants: number[]): SpaceCommand => ({ type: 'CreateSpace', spaceId, caller: admin, input: { name: 's', allowed_tenant_ids: tenants }, sharingAllowed });
    expect(outcome([], share(false, [7]))).toBe('PLAN_UPGRADE_REQUIRED');
    expect(outcome([], share(true, [42]))).toBe('VALIDATION_ERROR');
    expect(outcome([], share(true, [7]))).toHaveLength(1);
    expect(outcome([created()], { type: 'UpdateSpace', spaceId, caller: admin, changes: { allowed_tenant_ids: [7] }, sharingAllowed: false })).toBe('PLAN_UPGRADE_REQUIRED');
  });

  it('updates only what changed (PUT is partial)', () => {
    expect(outcome([created()], { type: 'UpdateSpace', spaceId, caller: admin, changes: { name: 'support-v2', tags: [] }, sharingAllowed: false })).toEqual([
      { type: 'space.updated', data: { space_id: spaceId, changes: { name: 'support-v2' } } },
    ]);
    expect(outcome([created()], { type: 'UpdateSpace', spaceId, caller: admin, changes: { name: 'support' }, sharingAllowed: false })).toEqual([]);
  });

  it('lets through only callers that pass the agent gate; other workspaces and deleted spaces are not found', () => {
    const del = (caller: MemoryCaller): SpaceCommand => ({ type: 'DeleteSpace', spaceId, caller });
    expect(outcome([created(['agent-1'])], del(agent('agent-2')))).toBe('FORBIDDEN');
    expect(outcome([created(['agent-1'])], del({ ...admin, scopes: ['memory:read'] }))).toBe('FORBIDDEN');
    expect(outcome([created(['agent-1'])], del(agent('agent-1')))).toEqual([{ type: 'space.deleted', data: { space_id: spaceId } }]);
    expect(outcome([created(['agent-1'])], del(admin))).toHaveLength(1);
    expect(outcome([created()], del({ ...admin, workspace_id: 43 }))).toBe('NOT_FOUND');
    expect(outcome([created(), { type: 'space.deleted', data: { space_id: spaceId } }], del(admin))).toBe('NOT_FOUND');
  });
});

describe('context space limits, at n and n + 1', () => {
  const fields = (raw: object, mode: 'create' | 'update' = 'create') => {
    const checked = checkSpaceInput(raw, mode);
    return checked.ok ? [] : checked.problems.map((p) => p.field);
  };
  it.each([
    ['name', (n: number) => ({ name: 'n'.repeat(n) }), 100],
    ['description', (n: number) => ({ name: 'n', description: 'd'.repeat(n) }), 500],
    ['allowed_agent_ids', (n: number) => ({ name: 'n', allowed_agent_ids: Array.from({ length: n }, (_, i) => `agent-${i}`) }), 10],
    ['allowed_tenant_ids', (n: number) => ({ name: 'n', allowed_tenant_ids: Array.from({ length: n }, (_, i) => String(i + 1)) }), 50],
    ['tags', (n: number) => ({ name: 'n', tags: Array.from({ length: n }, (_, i) => `t${i}`) }), 20],
  ])('%s', (field, body, n) => {
    expect(fields(body(n))).toEqual([]);
    expect(fields(body(n + 1))).toEqual([field]);
  });

  it('needs a name on create only, and refuses unknown fields and malformed ids', () => {
    expect(fields({})).toEqual(['name']);
    expect(fields({ name: '' })).toEqual(['name']);
    expect(fields({}, 'update')).toEqual([]);
    expect(fields({ name: 'n', owner_tenant_id: '1' })).toEqual(['owner_tenant_id']);
    expect(fields({ name: 'n', allowed_tenant_ids: ['tenant_abc'] })).toEqual(['allowed_tenant_ids']);
    expect(fields({ name: 'n', allowed_agent_ids: ['agent 1'] })).toEqual(['allowed_agent_ids']);
    expect(fields({ name: 'n', tags: ['t'.repeat(51)] })).toEqual(['tags']);
  });
});
