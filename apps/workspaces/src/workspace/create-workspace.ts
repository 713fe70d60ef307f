import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { MnemoError, WORKSPACE_LIMITS, type CreateWorkspaceReply } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { WorkspaceMemberRecord } from '../membership/membership.projection';
import { lockOrganization, organizationRoleOf } from '../organization/organization.commands';
import { OrganizationRecord, toOrganizationResource } from '../organization/organization.projection';
import type { CreateWorkspaceCommandRequest } from '../rpc-requests';
import { claimIcon } from '../icon/icon-uploads';
import { reserveChosenSlug, reserveSlug } from '../slugs/slug-reservations';
import { slugFromName } from '../slugs/slug';
import { appendNewOrganization, appendNewWorkspace, nextWorkspaceId } from './workspace-creation';
import { toWorkspaceResource, WorkspaceRecord } from './workspace.projection';

/**
 * workspace-api `create` (a new organization named `organization_name`, else after the workspace, with the
 * caller as its owner) and `createInOrg` (an existing organization; its owners and admins only). Either way
 * the caller owns the new workspace. Everything commits in the caller's transaction.
 */
export async function createWorkspaceInTransaction(
  em: EntityManager,
  store: EventStore,
  request: CreateWorkspaceCommandRequest,
  actor: string,
): Promise<CreateWorkspaceReply> {
  const { userId } = request;
  // "true when the caller had no membership before" (API.md)
  const isFirstWorkspace = (await em.count(WorkspaceMemberRecord, { userId })) === 0;
  let organizationId: string;
  if (request.organizationId) {
    organizationId = request.organizationId;
    // FOR SHARE: the organization cannot be deleted (which needs it FOR UPDATE) while we add to it.
    await lockOrganization(em, organizationId, 'share');
    const role = await organizationRoleOf(em, organizationId, userId);
    if (role !== 'owner' && role !== 'admin') {
      throw new MnemoError('FORBIDDEN', "only the organization's owners and admins create workspaces in it", { required_role: 'admin' });
    }
  } else {
    organizationId = uuidv7();
    const organizationName = request.organizationName ?? request.name;
    const organizationSlug = await reserveSlug(em, 'organization', slugFromName(organizationName), organizationId);
    await appendNewOrganization(em, store, { organizationId, name: organizationName, slug: organizationSlug, ownerUserId: userId, actor });
  }
  const workspaceId = await nextWorkspaceId(em);
  const slug = request.slug
    ? await reserveChosenSlug(em, 'workspace', request.slug, String(workspaceId))
    : await reserveSlug(em, 'workspace', slugFromName(request.name), String(workspaceId));
  await appendNewWorkspace(em, store, {
    workspaceId,
    organizationId,
    name: request.name,
    slug,
    domain: request.domain ?? null,
    // workspace-api: a domain of 2–50 characters with `create`, 2–256 with `createInOrg`.
    domainLimit: request.organizationId ? WORKSPACE_LIMITS.domain : WORKSPACE_LIMITS.newOrganizationDomain,
    personal: false,
    createdBy: userId,
    ...(request.iconStorageId ? { iconStorageId: request.iconStorageId } : {}),
    actor,
  });
  // executor create: an icon uploaded for the workspace-to-be (account-level URL) by this same user.
  if (request.iconStorageId) await claimIcon(em, request.iconStorageId, { workspaceId, userId });
  const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
  const organization = await em.findOneOrFail(OrganizationRecord, { id: organizationId });
  const organizationRole = await organizationRoleOf(em, organizationId, userId);
  return {
    workspace: toWorkspaceResource(workspace, organization),
    organization: toOrganizationResource(organization, organizationRole),
    is_first_workspace: isFirstWorkspace,
  };
}
