import type { EntityManager } from '@mikro-orm/postgresql';
import { MnemoError, type OrganizationRole } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { appendDecision } from '../append-decision';
import { organizationDecider, organizationStreamId, type OrganizationCommand } from './organization.decide';
import { OrganizationMemberRecord, projectOrganization } from './organization.projection';

/**
 * Locks the organization row for the transaction (`FOR UPDATE` for changes to it, `FOR SHARE` for commands that
 * only need it to stay as it is, like creating a workspace in it) and answers NOT_FOUND when it is gone.
 */
export async function lockOrganization(em: EntityManager, organizationId: string, mode: 'update' | 'share'): Promise<void> {
  const rows = await em.execute(`SELECT id FROM organizations WHERE id = ? FOR ${mode === 'update' ? 'UPDATE' : 'SHARE'}`, [organizationId]);
  if (rows.length === 0) throw new MnemoError('NOT_FOUND', 'organization not found');
}

/** The user's role in the organization, or NOT_FOUND: an organization one is not in does not exist for one. */
export async function organizationRoleOf(em: EntityManager, organizationId: string, userId: string): Promise<OrganizationRole> {
  const member = await em.findOne(OrganizationMemberRecord, { organizationId, userId });
  if (!member) throw new MnemoError('NOT_FOUND', 'organization not found');
  return member.role;
}

/** One organization command in the caller's transaction: the roster rules are the Organization aggregate's. */
export async function decideOnOrganization(em: EntityManager, store: EventStore, organizationId: string, command: OrganizationCommand, actor: string) {
  return appendDecision(em, store, {
    decider: organizationDecider,
    streamId: organizationStreamId(organizationId),
    command,
    owner: { organizationId },
    actor,
    project: projectOrganization,
  });
}
