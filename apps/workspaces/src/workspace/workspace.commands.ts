import type { EntityManager } from '@mikro-orm/postgresql';
import { PLAN_NAMES, type WorkspaceResource } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { appendDecision } from '../append-decision';
import { OrganizationRecord } from '../organization/organization.projection';
import { periodCaps, periodUsage, STARTUP_PLAN_CATALOG, unitAtCap, type PlanCatalog } from '../usage/usage-caps';
import { workspaceDecider, workspaceStreamId, type WorkspaceCommand } from './workspace.decide';
import { projectWorkspace, toWorkspaceResource, WorkspaceRecord } from './workspace.projection';

/**
 * One workspace command in the caller's transaction. A plan change is measured against the usage ledger here
 * (the decider is pure): usage already at or over the new plan's cap makes it `limit_reached` at once.
 */
export async function decideOnWorkspace(
  em: EntityManager,
  store: EventStore,
  workspaceId: number,
  command: WorkspaceCommand,
  actor: string,
  plans: PlanCatalog = STARTUP_PLAN_CATALOG,
) {
  let decided = command;
  if (command.type === 'ChangePlan' && command.usageOverCap === undefined) {
    // Locked like the ledger does, so usage recorded concurrently is either seen here or sees the new plan.
    const [current] = await em.execute<{ period_start: Date }[]>('SELECT period_start FROM workspaces WHERE workspace_id = ? FOR UPDATE', [workspaceId]);
    const usage = current ? await periodUsage(em, workspaceId, current.period_start) : null;
    // An unknown plan name is the decider's to refuse.
    const caps = (PLAN_NAMES as readonly string[]).includes(command.planName) ? periodCaps(plans(command.planName)) : null;
    decided = { ...command, usageOverCap: usage && caps ? unitAtCap(usage, caps) : null };
  }
  return appendDecision(em, store, {
    decider: workspaceDecider,
    streamId: workspaceStreamId(workspaceId),
    command: decided,
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
