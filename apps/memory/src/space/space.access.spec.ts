import type { MemoryCaller } from '@mnemo/contracts';
import { decideSpaceChange, decideSpaceRead, type OwnerStanding } from './space.access';

const space = (allowed_agent_ids: string[] = [], allowed_tenant_ids: number[] = [7]) => ({ owner_workspace_id: 42, allowed_agent_ids, allowed_tenant_ids });
const caller = (workspace_id: number, agent_id: string | null, admin = false): MemoryCaller => ({
  workspace_id,
  principal: agent_id ? 'key:k' : 'user:u',
  agent_id,
  scopes: admin ? ['memory:read', 'spaces:admin'] : ['memory:read'],
});
const pro: OwnerStanding = { status: 'active', planName: 'pro' };

const verdict = (access: ReturnType<typeof decideSpaceRead>) => (access.allowed ? `ok:${access.role}` : `${access.code}:${access.reason}`);

describe('context space access', () => {
  it('lets the owner workspace through its agent gate: bound agents as listed, unbound callers only with spaces:admin', () => {
    expect(verdict(decideSpaceRead(space(), caller(42, null), null))).toBe('ok:owner');
    expect(verdict(decideSpaceRead(space(['agent-1']), caller(42, 'agent-1'), null))).toBe('ok:owner');
    expect(verdict(decideSpaceRead(space(['agent-1']), caller(42, 'agent-2'), null))).toBe('FORBIDDEN:agent_not_allowed');
    expect(verdict(decideSpaceRead(space(['agent-1']), caller(42, null, true), null))).toBe('ok:owner');
    expect(verdict(decideSpaceRead(space(['agent-1']), caller(42, null), null))).toBe('FORBIDDEN:agent_not_allowed');
  });

  it("lets a grantee through only with its agent listed as <workspace_id>:<agent>, never unbound, never on the owner's plain agent name", () => {
    expect(verdict(decideSpaceRead(space(), caller(7, null), pro))).toBe('ok:grantee');
    expect(verdict(decideSpaceRead(space(['7:agent-1']), caller(7, 'agent-1'), pro))).toBe('ok:grantee');
    expect(verdict(decideSpaceRead(space(['agent-1']), caller(7, 'agent-1'), pro))).toBe('FORBIDDEN:agent_not_allowed');
    expect(verdict(decideSpaceRead(space(['7:agent-1']), caller(7, null, true), pro))).toBe('FORBIDDEN:agent_not_allowed');
    expect(verdict(decideSpaceRead(space(['8:agent-1']), caller(7, 'agent-1'), pro))).toBe('FORBIDDEN:agent_not_allowed');
  });

  it('switches grants off while the owner is suspended or its plan has no sharing', () => {
    expect(verdict(decideSpaceRead(space(), caller(7, null), { status: 'suspended', planName: 'pro' }))).toBe('FORBIDDEN:owner_suspended');
    expect(verdict(decideSpaceRead(space(), caller(7, null), { status: 'active', planName: 'free' }))).toBe('FORBIDDEN:sharing_not_in_plan');
    expect(verdict(decideSpaceRead(space(), caller(7, null), { status: 'limit_reached', planName: 'team' }))).toBe('ok:grantee');
    expect(verdict(decideSpaceRead(space(), caller(7, null), { status: 'active', planName: 'pro', deleted: true }))).toBe('NOT_FOUND:not_granted');
  });

  it('answers a stranger 404, and tells a grantee that changes are the owner’s', () => {
    expect(verdict(decideSpaceRead(space(), caller(9, null, true), pro))).toBe('NOT_FOUND:not_granted');
    expect(verdict(decideSpaceChange(space(), caller(7, null, true)))).toBe('OWNER_ONLY:owner_only');
    expect(verdict(decideSpaceChange(space(), caller(9, null, true)))).toBe('NOT_FOUND:not_granted');
    expect(verdict(decideSpaceChange(space(), caller(42, null, true)))).toBe('ok:owner');
  });
});
