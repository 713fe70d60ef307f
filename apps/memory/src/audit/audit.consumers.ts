import type { EventConsumerOptions } from '@mnemo/messaging';
import { parseWorkspaceId, type AuditAction, type EventEnvelope, type NatsNames } from '@mnemo/contracts';
import { actorOf, type AuditEntry, type AuditLog } from './audit-log';

type ConsumerDefinition = Omit<EventConsumerOptions, 'nc' | 'names' | 'orm' | 'logger' | 'app'>;

const KEY_ACTIONS: Partial<Record<string, AuditAction>> = {
  'key.created': 'api_key.created',
  'key.rotated': 'api_key.rotated',
  'key.revoked': 'api_key.revoked',
};

const MEMBERSHIP_ACTIONS: Partial<Record<string, AuditAction>> = {
  'membership.granted': 'membership.granted',
  'membership.role_changed': 'membership.role_changed',
  'membership.revoked': 'membership.revoked',
};

/** The entry for another service's security event, in the chain of the workspace the event belongs to. */
export function securityEventEntry(event: EventEnvelope): AuditEntry | null {
  const owner = parseWorkspaceId(event.workspaceId);
  if (owner === undefined) return null;
  const keyAction = KEY_ACTIONS[event.type];
  const membershipAction = MEMBERSHIP_ACTIONS[event.type];
  if (!keyAction && !membershipAction) return null;
  const actor = actorOf(event.actor);
  const resource = keyAction
    ? { action: keyAction, resourceType: 'api_key' as const, resourceId: event.streamId.replace(/^key-/, '') }
    : { action: membershipAction!, resourceType: 'membership' as const, resourceId: String((event.data as { user_id?: unknown }).user_id ?? event.streamId) };
  return {
    ownerWorkspaceId: owner,
    // A person or key acted inside the workspace; a system actor (a process manager, an erasure) has none.
    actorWorkspaceId: actor.actorKeyId || actor.actorUserId ? owner : null,
    ...actor,
    agentRef: null,
    ...resource,
    outcome: 'allowed',
    crossTenant: false,
    requestId: null,
  };
}

/**
 * Durable consumers that copy other services' security events into the audit chains: identity's key events
 * (created, rotated, revoked) and workspaces' membership events (granted, role changed, revoked). Session events
 * belong to a user, not a workspace, so they have no chain to go into and are not consumed.
 */
export function auditConsumers(names: NatsNames, log: AuditLog): ConsumerDefinition[] {
  const handle: ConsumerDefinition['handle'] = async (em, event) => {
    const entry = securityEventEntry(event);
    if (entry) await log.append(em, [entry]);
  };
  return [
    { name: 'audit_api_keys', source: 'identity', filterSubject: names.event('identity', 'key', '>'), ordered: false, handle },
    { name: 'audit_memberships', source: 'workspaces', filterSubject: names.event('workspaces', 'membership', '>'), ordered: false, handle },
  ];
}
