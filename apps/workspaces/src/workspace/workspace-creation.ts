import type { EntityManager } from '@mikro-orm/postgresql';
import { DEFAULT_ENABLED_PROVIDERS } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { appendDecision } from '../append-decision';
import { membershipDecider, membershipStreamId } from '../membership/membership.decide';
import { projectMembership } from '../membership/membership.projection';
import { organizationDecider, organizationStreamId } from '../organization/organization.decide';
import { projectOrganization } from '../organization/organization.projection';
import { monthlyPeriod } from '../usage/usage-period';
import { joinCodeSha256, newJoinCode } from './join-code';
import { workspaceDecider, workspaceStreamId } from './workspace.decide';
import { JoinCodeRecord, projectWorkspace } from './workspace.projection';

/** A new organization with its creator as the first owner, in the caller's transaction. */
export async function appendNewOrganization(
  em: EntityManager,
  store: EventStore,
  organization: { organizationId: string; name: string; slug: string; ownerUserId: string; actor: string },
): Promise<void> {
  await appendDecision(em, store, {
    decider: organizationDecider,
    streamId: organizationStreamId(organization.organizationId),
    command: { type: 'CreateOrganization', ...organization },
    owner: { organizationId: organization.organizationId },
    actor: organization.actor,
    project: projectOrganization,
  });
}

export interface NewWorkspace {
  workspaceId: number;
  organizationId: string;
  name: string;
  /** Already reserved. */
  slug: string;
  domain: string | null;
  domainLimit?: { min: number; max: number };
  personal: boolean;
  createdBy: string;
  /** Claimed by the caller in the same transaction (icon/icon-uploads.ts). */
  iconStorageId?: string | null;
  actor: string;
}

/**
 * A new workspace (free, active, monthly) with its first usage period, its creator's owner membership and its join code, in the caller's
 * transaction. The join code is written beside the events: they carry only its digest.
 */
export async function appendNewWorkspace(em: EntityManager, store: EventStore, workspace: NewWorkspace): Promise<void> {
  const { workspaceId, createdBy, actor } = workspace;
  const owner = { workspaceId: String(workspaceId) };
  const joinCode = newJoinCode();
  // The first usage period starts with the workspace; later ones are anchored at this instant.
  const firstPeriod = monthlyPeriod(new Date(), 0);
  await appendDecision(em, store, {
    decider: workspaceDecider,
    streamId: workspaceStreamId(workspaceId),
    command: {
      type: 'CreateWorkspace',
      workspaceId,
      organizationId: workspace.organizationId,
      name: workspace.name,
      slug: workspace.slug,
      domain: workspace.domain,
      ...(workspace.domainLimit ? { domainLimit: workspace.domainLimit } : {}),
      planName: 'free',
      billingCycle: 'monthly',
      enabledProviders: DEFAULT_ENABLED_PROVIDERS,
      joinCodeSha256: joinCodeSha256(joinCode),
      personal: workspace.personal,
      createdBy,
      ...(workspace.iconStorageId ? { iconStorageId: workspace.iconStorageId } : {}),
      periodStart: firstPeriod.start,
      periodEnd: firstPeriod.end,
    },
    owner,
    actor,
    project: projectWorkspace,
  });
  await appendDecision(em, store, {
    decider: membershipDecider,
    streamId: membershipStreamId(workspaceId, createdBy),
    command: { type: 'GrantMembership', workspaceId, userId: createdBy, role: 'owner', via: 'workspace_creation' },
    owner,
    actor,
    project: projectMembership,
  });
  em.persist(em.create(JoinCodeRecord, { workspaceId, code: joinCode, expiresAt: null, issuedAt: new Date() }));
  await em.flush();
}

/** The next workspace id, from the sequence, inside the transaction. */
export async function nextWorkspaceId(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ id: string }[]>(`SELECT nextval('workspace_ids') AS id`);
  return Number(row.id);
}
