import type { EventEnvelope } from '@mnemo/contracts';
import { securityEventEntry } from './audit.consumers';

const envelope = (type: string, streamId: string, data: Record<string, unknown>, extra: Partial<EventEnvelope> = {}): EventEnvelope => ({
  id: '0190b6c0-0000-7000-8000-000000000001',
  type,
  schemaVersion: 1,
  streamId,
  streamVersion: 1,
  workspaceId: '42',
  actor: 'user:u-1',
  occurredAt: '2026-11-25T12:00:00.000Z',
  data,
  ...extra,
});

describe('security events into the audit chains', () => {
  it("records identity's key events in the key's workspace chain, with the acting user", () => {
    expect(securityEventEntry(envelope('key.created', 'key-k-1', { workspace_id: 42, name: 'ci' }))).toEqual({
      ownerWorkspaceId: 42,
      actorWorkspaceId: 42,
      actorKeyId: null,
      actorUserId: 'u-1',
      agentRef: null,
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: 'k-1',
      outcome: 'allowed',
      crossTenant: false,
      requestId: null,
    });
    expect(securityEventEntry(envelope('key.revoked', 'key-k-1', {}, { actor: 'key:k-9' }))).toMatchObject({ action: 'api_key.revoked', actorKeyId: 'k-9', actorUserId: null });
    expect(securityEventEntry(envelope('key.rotated', 'key-k-1', {}))).toMatchObject({ action: 'api_key.rotated' });
  });

  it('records membership events with the member as the resource; a system actor has no workspace', () => {
    expect(securityEventEntry(envelope('membership.role_changed', 'membership-42-u-2', { workspace_id: 42, user_id: 'u-2', role: 'admin' }, { actor: 'system:lifecycle' }))).toMatchObject({
      action: 'membership.role_changed',
      resourceType: 'membership',
      resourceId: 'u-2',
      actorWorkspaceId: null,
      actorUserId: null,
      actorKeyId: null,
    });
  });

  it('ignores what is not a security event or belongs to no workspace', () => {
    expect(securityEventEntry(envelope('key.updated', 'key-k-1', { name: 'renamed' }))).toBeNull();
    expect(securityEventEntry(envelope('membership.granted', 'membership-x', { user_id: 'u' }, { workspaceId: undefined, userId: 'u' }))).toBeNull();
  });
});
