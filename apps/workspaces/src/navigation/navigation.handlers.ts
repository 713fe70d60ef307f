import { Controller, Inject } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ICONS_RPC, MnemoError, parseWorkspaceId, type NavigationStateResource, type OrganizationRole } from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { listAccessibleWorkspaces } from '../membership/access';
import { OrganizationMemberRecord, OrganizationRecord, toOrganizationResource } from '../organization/organization.projection';
import { parseUserRequest } from '../rpc-requests';
import { toWorkspaceResource } from '../workspace/workspace.projection';
import { currentNavigation, type NavigationChoice } from './navigation-state';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What PUT sends: absent leaves a choice as it is, null clears it. */
function parseChoice(data: unknown): { organizationId?: string | null; workspaceId?: number | null } {
  const fields = data as Record<string, unknown>;
  const choice: { organizationId?: string | null; workspaceId?: number | null } = {};
  if (fields.organization_id === null) choice.organizationId = null;
  else if (fields.organization_id !== undefined) {
    if (typeof fields.organization_id !== 'string' || !UUID.test(fields.organization_id)) throw new MnemoError('NOT_FOUND', 'organization not found');
    choice.organizationId = fields.organization_id.toLowerCase();
  }
  if (fields.workspace_id === null) choice.workspaceId = null;
  else if (fields.workspace_id !== undefined) {
    const id = typeof fields.workspace_id === 'number' ? parseWorkspaceId(String(fields.workspace_id)) : undefined;
    if (id === undefined) throw new MnemoError('NOT_FOUND', 'workspace not found');
    choice.workspaceId = id;
  }
  return choice;
}

/**
 * executor getNavigationState, and the choice of the current organization and workspace. The choice is a
 * per-user preference (a row, not an event stream: nothing else reacts to it); it is only ever set to
 * something the user reaches, and read back against what the user still reaches.
 */
@Controller()
export class NavigationHandlers {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  @RpcHandler('workspaces', ICONS_RPC.getNavigationState)
  async get(data: unknown): Promise<NavigationStateResource> {
    const { userId } = parseUserRequest(data);
    return this.state(this.runtime.orm.em.fork(), userId);
  }

  /** A workspace or organization the user does not reach answers NOT_FOUND, and nothing changes. */
  @RpcHandler('workspaces', ICONS_RPC.setNavigationState)
  async set(data: unknown): Promise<NavigationStateResource> {
    const { userId } = parseUserRequest(data);
    const wanted = parseChoice(data);
    const em = this.runtime.orm.em.fork();
    const reachable = await this.reachable(em, userId);
    const stored = await this.stored(em, userId);
    const next: NavigationChoice = { ...stored };
    if (wanted.workspaceId !== undefined) {
      if (wanted.workspaceId === null) next.workspaceId = null;
      else {
        const workspace = reachable.workspaces.find(({ workspace: w }) => w.workspaceId === wanted.workspaceId)?.workspace;
        if (!workspace) throw new MnemoError('NOT_FOUND', 'workspace not found');
        if (wanted.organizationId && wanted.organizationId !== workspace.organizationId) {
          throw new MnemoError('VALIDATION_ERROR', 'the workspace is not in that organization', { field: 'workspace_id' });
        }
        next.workspaceId = workspace.workspaceId;
        next.organizationId = workspace.organizationId;
      }
    }
    if (wanted.organizationId !== undefined) {
      if (wanted.organizationId !== null && !reachable.organizations.some(({ organization }) => organization.id === wanted.organizationId)) {
        throw new MnemoError('NOT_FOUND', 'organization not found');
      }
      next.organizationId = wanted.organizationId;
      // A workspace of another organization is no longer current: the default within the new one applies.
      const current = reachable.workspaces.find(({ workspace }) => workspace.workspaceId === next.workspaceId)?.workspace;
      if (wanted.workspaceId === undefined && current && next.organizationId !== null && current.organizationId !== next.organizationId) next.workspaceId = null;
    }
    await em.execute(
      `INSERT INTO navigation_states (user_id, organization_id, workspace_id, updated_at) VALUES (?, ?, ?, now())
       ON CONFLICT (user_id) DO UPDATE SET organization_id = EXCLUDED.organization_id, workspace_id = EXCLUDED.workspace_id, updated_at = now()`,
      [userId, next.organizationId, next.workspaceId],
    );
    return this.state(em, userId);
  }

  private async stored(em: EntityManager, userId: string): Promise<NavigationChoice> {
    const [row] = await em.execute<{ organization_id: string | null; workspace_id: number | null }[]>(
      'SELECT organization_id, workspace_id FROM navigation_states WHERE user_id = ?',
      [userId],
    );
    return { organizationId: row?.organization_id ?? null, workspaceId: row?.workspace_id ?? null };
  }

  /**
   * Workspaces the user reaches, and organizations the user is in or reaches a workspace of (so the current
   * workspace's organization is always listed).
   */
  private async reachable(em: EntityManager, userId: string) {
    const workspaces = await listAccessibleWorkspaces(em, userId);
    const memberships = await em.find(OrganizationMemberRecord, { userId });
    const roles = new Map<string, OrganizationRole>(memberships.map((m) => [m.organizationId, m.role]));
    const ids = [...new Set([...memberships.map((m) => m.organizationId), ...workspaces.map(({ workspace }) => workspace.organizationId)])];
    const records = ids.length === 0 ? [] : await em.find(OrganizationRecord, { id: { $in: ids } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return { workspaces, organizations: records.map((organization) => ({ organization, role: roles.get(organization.id) ?? null })) };
  }

  private async state(em: EntityManager, userId: string): Promise<NavigationStateResource> {
    const reachable = await this.reachable(em, userId);
    const current = currentNavigation(userId, await this.stored(em, userId), {
      workspaces: reachable.workspaces.map(({ workspace }) => ({
        workspaceId: workspace.workspaceId,
        organizationId: workspace.organizationId,
        personal: workspace.personal,
        createdBy: workspace.createdBy,
      })),
      organizationIds: reachable.organizations.map(({ organization }) => organization.id),
    });
    const organizations = reachable.organizations.map(({ organization, role }) => toOrganizationResource(organization, role));
    const byId = new Map(reachable.organizations.map(({ organization }) => [organization.id, organization]));
    const workspaces = reachable.workspaces.map(({ workspace }) => toWorkspaceResource(workspace, byId.get(workspace.organizationId)!));
    return {
      current_organization: organizations.find((organization) => organization.id === current.organizationId) ?? null,
      current_workspace: workspaces.find((workspace) => workspace.workspace_id === current.workspaceId) ?? null,
      organizations,
      workspaces,
    };
  }
}
