import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { EntityManager } from '@mikro-orm/postgresql';
import { iconPath } from '@mnemo/contracts';
import type {
  BillingCycle,
  EventEnvelope,
  PlanName,
  Provider,
  WorkspaceEvent,
  WorkspaceResource,
  WorkspaceStatus,
} from '@mnemo/contracts';
import { asDomainEvent } from '../decider';
import type { OrganizationRecord } from '../organization/organization.projection';

/** Read model of a workspace, written in the transaction that appends its events. */
@Entity({ tableName: 'workspaces' })
@Index({ properties: ['organizationId'] })
export class WorkspaceRecord {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  workspaceId!: number;

  @Property({ type: 'uuid' })
  organizationId!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', unique: true })
  slug!: string;

  @Property({ type: 'text', nullable: true })
  domain: string | null = null;

  @Property({ type: 'text', nullable: true })
  iconStorageId: string | null = null;

  @Property({ type: 'text' })
  status!: WorkspaceStatus;

  @Property({ type: 'text' })
  planName!: PlanName;

  @Property({ type: 'text' })
  billingCycle!: BillingCycle;

  @Property({ type: 'json' })
  enabledProviders!: Provider[];

  @Property({ type: 'boolean' })
  personal!: boolean;

  @Property({ type: 'uuid' })
  createdBy!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  /** The current monthly usage period (end exclusive), from `workspace.period_started`. */
  @Property({ type: 'datetime', columnType: 'timestamptz' })
  periodStart!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  periodEnd!: Date;

  /** The workspace stream's version: the ETag of later PATCHes. */
  @Property({ type: 'integer' })
  version!: number;
}

/**
 * The join code of each workspace. A credential, so it is not in any event (events carry its SHA-256): this
 * table is written beside the events, like a guard row, and is the only place the code can be read back.
 */
@Entity({ tableName: 'workspace_join_codes' })
export class JoinCodeRecord {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  workspaceId!: number;

  @Property({ type: 'text', unique: true })
  code!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  issuedAt!: Date;
}

/** Applies workspace events to the read model inside the append's transaction. */
export async function projectWorkspace(em: EntityManager, envelopes: EventEnvelope[]): Promise<void> {
  for (const envelope of envelopes) {
    const event = asDomainEvent<WorkspaceEvent>(envelope);
    const workspaceId = event.data.workspace_id;
    switch (event.type) {
      case 'workspace.created':
        em.persist(
          em.create(WorkspaceRecord, {
            workspaceId,
            organizationId: event.data.organization_id,
            name: event.data.name,
            slug: event.data.slug,
            domain: event.data.domain,
            iconStorageId: event.data.icon_storage_id,
            status: event.data.status,
            planName: event.data.plan_name,
            billingCycle: event.data.billing_cycle,
            enabledProviders: event.data.enabled_providers,
            personal: event.data.personal,
            createdBy: event.data.created_by,
            createdAt: new Date(envelope.occurredAt),
            // Set by the `workspace.period_started` appended with the creation.
            periodStart: new Date(envelope.occurredAt),
            periodEnd: new Date(envelope.occurredAt),
            version: envelope.streamVersion,
          }),
        );
        break;
      case 'workspace.status_changed': {
        const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
        workspace.status = event.data.status;
        workspace.version = envelope.streamVersion;
        break;
      }
      case 'workspace.plan_changed': {
        const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
        workspace.planName = event.data.plan_name;
        workspace.billingCycle = event.data.billing_cycle;
        workspace.version = envelope.streamVersion;
        break;
      }
      case 'workspace.period_started': {
        const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
        workspace.periodStart = new Date(event.data.period_start);
        workspace.periodEnd = new Date(event.data.period_end);
        workspace.version = envelope.streamVersion;
        // The rollover's due row: whichever replica polls after `ends_at` starts the next period.
        await em.execute(
          `INSERT INTO usage_periods (workspace_id, anchor, period_start, ends_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (workspace_id) DO UPDATE SET period_start = EXCLUDED.period_start, ends_at = EXCLUDED.ends_at`,
          // The first period's start anchors every later one (monthly from creation).
          [workspaceId, event.data.period_start, event.data.period_start, event.data.period_end],
        );
        break;
      }
      case 'workspace.suspended':
      case 'workspace.reinstated':
      case 'workspace.payment_awaited':
      case 'workspace.limit_reached':
        (await em.findOneOrFail(WorkspaceRecord, { workspaceId })).version = envelope.streamVersion;
        break;
      case 'workspace.details_updated': {
        const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
        workspace.name = event.data.name;
        workspace.domain = event.data.domain;
        workspace.iconStorageId = event.data.icon_storage_id ?? null;
        workspace.version = envelope.streamVersion;
        break;
      }
      case 'workspace.providers_set': {
        const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
        workspace.enabledProviders = event.data.enabled_providers;
        workspace.version = envelope.streamVersion;
        break;
      }
      case 'workspace.join_code_rotated':
        // The code itself is written beside the event by the handler (it is not in the event).
        (await em.findOneOrFail(WorkspaceRecord, { workspaceId })).version = envelope.streamVersion;
        break;
      case 'workspace.deleted': {
        const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
        // Rows that hang off the workspace go with it; its slug is free again.
        await em.execute('DELETE FROM workspace_join_codes WHERE workspace_id = ?', [workspaceId]);
        await em.execute('DELETE FROM invitations WHERE workspace_id = ?', [workspaceId]);
        await em.execute('DELETE FROM workspace_members WHERE workspace_id = ?', [workspaceId]);
        await em.execute('DELETE FROM personal_workspaces WHERE workspace_id = ?', [workspaceId]);
        await em.execute('DELETE FROM icon_uploads WHERE claimed_by_workspace = ? OR workspace_id = ?', [workspaceId, workspaceId]);
        await em.execute('DELETE FROM usage_periods WHERE workspace_id = ?', [workspaceId]);
        await em.execute('DELETE FROM usage_ledger WHERE workspace_id = ?', [workspaceId]);
        await em.execute(`DELETE FROM slug_reservations WHERE kind = 'workspace' AND slug = ?`, [workspace.slug]);
        em.remove(workspace);
        break;
      }
    }
    await em.flush();
  }
}

export function toWorkspaceResource(workspace: WorkspaceRecord, organization: OrganizationRecord): WorkspaceResource {
  return {
    workspace_id: workspace.workspaceId,
    organization_id: workspace.organizationId,
    organization_name: organization.name,
    organization_slug: organization.slug,
    name: workspace.name,
    slug: workspace.slug,
    domain: workspace.domain,
    // A path on the API's own origin (served publicly by GET /v1/icons/:storageId), valid whichever host answered.
    icon_url: workspace.iconStorageId === null ? null : iconPath(workspace.iconStorageId),
    status: workspace.status,
    plan_name: workspace.planName,
    billing_cycle: workspace.billingCycle,
    enabled_providers: workspace.enabledProviders,
    created_at: workspace.createdAt.toISOString(),
  };
}
