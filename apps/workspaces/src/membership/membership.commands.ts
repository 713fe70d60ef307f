import type { EntityManager } from '@mikro-orm/postgresql';
import type { JoinedWorkspaceReply } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { appendDecision } from '../append-decision';
import { OrganizationRecord } from '../organization/organization.projection';
import { toWorkspaceResource, WorkspaceRecord } from '../workspace/workspace.projection';
import { membershipDecider, membershipStreamId, type MembershipCommand } from './membership.decide';
import { projectMembership, toMembershipResource, WorkspaceMemberRecord } from './membership.projection';

/** One membership command in the caller's transaction (which holds the workspace lock). */
export async function decideOnMembership(
  em: EntityManager,
  store: EventStore,
  workspaceId: number,
  userId: string,
  command: MembershipCommand,
  actor: string,
): Promise<void> {
  await appendDecision(em, store, {
    decider: membershipDecider,
    streamId: membershipStreamId(workspaceId, userId),
    command,
    owner: { workspaceId: String(workspaceId) },
    actor,
    project: projectMembership,
  });
}

/** `{ workspace, membership }`: the answer of joining by code or by invitation. */
export async function joinedReply(
  em: EntityManager,
  workspaceId: number,
  userId: string,
  user: { email: string; name: string | null } | null,
): Promise<JoinedWorkspaceReply> {
  const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
  const organization = await em.findOneOrFail(OrganizationRecord, { id: workspace.organizationId });
  const member = await em.findOneOrFail(WorkspaceMemberRecord, { workspaceId, userId });
  return { workspace: toWorkspaceResource(workspace, organization), membership: toMembershipResource(member, user) };
}
