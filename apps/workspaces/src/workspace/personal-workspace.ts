import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { DeadlockException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { WORKSPACE_LIMITS, type CreatePersonalWorkspaceReply } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { OrganizationRecord, toOrganizationResource } from '../organization/organization.projection';
import { reserveSlug } from '../slugs/slug-reservations';
import { slugFromName } from '../slugs/slug';
import { appendNewOrganization, appendNewWorkspace } from './workspace-creation';
import { toWorkspaceResource, WorkspaceRecord } from './workspace.projection';

/**
 * The guard that makes signup's workspace exactly-once per user: its primary key is the user id, and it is the
 * first row the creating transaction writes.
 */
@Entity({ tableName: 'personal_workspaces' })
export class PersonalWorkspaceRecord {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'integer', unique: true })
  workspaceId!: number;

  @Property({ type: 'uuid' })
  organizationId!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;
}

const POSSESSIVE = "'s workspace";

/**
 * "Ada's workspace" from the user's name, else from the local part of their email; always 2–50 characters
 * (the owner part is cut to fit, and the suffix alone makes it at least 2).
 */
export function personalWorkspaceName(email: string, name?: string): string {
  const clean = (value: string) => value.replace(/\p{C}/gu, '').replace(/\s+/g, ' ').trim();
  const owner = clean(name ?? '') || clean(email.slice(0, email.lastIndexOf('@'))) || 'My';
  const room = WORKSPACE_LIMITS.workspaceName.max - POSSESSIVE.length;
  return `${Array.from(owner).slice(0, room).join('').trimEnd()}${POSSESSIVE}`;
}

export interface PersonalWorkspaceRequest {
  userId: string;
  email: string;
  name?: string;
  /** Who the events name as their actor. */
  actor: string;
}

const DEADLOCK_ATTEMPTS = 3;

/**
 * Creates the user's personal organization (owner: the user), its first workspace (free, active, monthly) and
 * the owner membership — three aggregates, their projections, slug reservations and the join code in one
 * transaction. Deduplicated by user id: a repeated or concurrent call answers the workspace that exists.
 */
export async function createPersonalWorkspace(
  runtime: { orm: MikroORM; store: EventStore },
  request: PersonalWorkspaceRequest,
): Promise<CreatePersonalWorkspaceReply> {
  const existing = await readPersonalWorkspace(runtime.orm.em.fork(), request.userId);
  if (existing) return existing;
  for (let attempt = 1; ; attempt++) {
    try {
      await runtime.orm.em.fork().transactional((em) => createInTransaction(em, runtime.store, request));
      break;
    } catch (error) {
      // Slug reservations of concurrent creations may wait on each other; if PostgreSQL finds a cycle it aborts
      // one transaction, which starts over.
      if (!(error instanceof DeadlockException) || attempt >= DEADLOCK_ATTEMPTS) throw error;
    }
  }
  const created = await readPersonalWorkspace(runtime.orm.em.fork(), request.userId);
  if (!created) throw new Error(`the personal workspace of ${request.userId} is missing after its transaction committed`);
  return created;
}

async function createInTransaction(em: EntityManager, store: EventStore, request: PersonalWorkspaceRequest): Promise<void> {
  const { userId, actor } = request;
  const organizationId = uuidv7();
  // First statement of the transaction: a concurrent call for the same user waits here until we commit, then
  // inserts nothing and leaves; nothing else of ours is locked yet, so no other signup waits on it.
  const claimed = await em.execute<{ workspace_id: number }[]>(
    `INSERT INTO personal_workspaces (user_id, workspace_id, organization_id, created_at)
     VALUES (?, nextval('workspace_ids'), ?, now())
     ON CONFLICT (user_id) DO NOTHING
     RETURNING workspace_id`,
    [userId, organizationId],
  );
  if (claimed.length === 0) return;
  const workspaceId = Number(claimed[0].workspace_id);
  const name = personalWorkspaceName(request.email, request.name);
  const workspaceSlug = await reserveSlug(em, 'workspace', slugFromName(name), String(workspaceId));
  const organizationSlug = await reserveSlug(em, 'organization', slugFromName(name), organizationId);
  await appendNewOrganization(em, store, { organizationId, name, slug: organizationSlug, ownerUserId: userId, actor });
  await appendNewWorkspace(em, store, {
    workspaceId,
    organizationId,
    name,
    slug: workspaceSlug,
    domain: null,
    personal: true,
    createdBy: userId,
    actor,
  });
}

async function readPersonalWorkspace(em: EntityManager, userId: string): Promise<CreatePersonalWorkspaceReply | null> {
  const personal = await em.findOne(PersonalWorkspaceRecord, { userId });
  if (!personal) return null;
  const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId: personal.workspaceId });
  const organization = await em.findOneOrFail(OrganizationRecord, { id: workspace.organizationId });
  return {
    workspace: toWorkspaceResource(workspace, organization),
    // The user is the organization's owner.
    organization: toOrganizationResource(organization, 'owner'),
    is_first_workspace: true,
  };
}
