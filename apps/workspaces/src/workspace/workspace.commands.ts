import type { EntityManager } from '@mikro-orm/postgresql';
import type { WorkspaceResource } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { appendDecision } from '../append-decision';
import { OrganizationRecord } from '../organization/organization.projection';
import { workspaceDecider, workspaceStreamId, type WorkspaceCommand } from './workspace.decide';
import { projectWorkspace, toWorkspaceResource, WorkspaceRecord } from './workspace.projection';

/** One workspace command in the caller's transaction. */
export async function decideOnWorkspace(em: EntityManager, store: EventStore, workspaceId: number, command: WorkspaceCommand, actor: string) {
  return appendDecision(em, store, {
    decider: workspaceDecider,
    streamId: workspaceStreamId(workspaceId),
    command,
    owner: { workspaceId: String(workspaceId) },
    actor,
    project: projectWorkspace,
  });
}

export async function workspaceResource(em: EntityManager, workspaceId: number): Promise<WorkspaceResource> {
  const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
  const organization = await em.findOneOrFail(OrganizationRecord, { id: workspace.organizationId });
  return toWorkspaceResource(workspace, organization);
}
