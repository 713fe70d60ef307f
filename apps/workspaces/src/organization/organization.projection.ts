import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { PrimaryKeyProp } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, OrganizationEvent, OrganizationResource, OrganizationRole } from '@mnemo/contracts';
import { asDomainEvent } from '../decider';

/** Read model of an organization, written in the transaction that appends its events. */
@Entity({ tableName: 'organizations' })
export class OrganizationRecord {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', unique: true })
  slug!: string;

  /** Set by operators (PUT /admin/organizations/:id/workos); readable by org owners/admins. */
  @Property({ type: 'text', nullable: true })
  workosOrganizationId: string | null = null;

  @Property({ type: 'uuid' })
  createdBy!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  /** The organization stream's version: the ETag of later PATCHes. */
  @Property({ type: 'integer' })
  version!: number;
}

@Entity({ tableName: 'organization_members' })
@Index({ properties: ['userId'] })
export class OrganizationMemberRecord {
  [PrimaryKeyProp]?: ['organizationId', 'userId'];

  @PrimaryKey({ type: 'uuid' })
  organizationId!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'text' })
  role!: OrganizationRole;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  joinedAt!: Date;
}

/** Applies organization events to the read model inside the append's transaction. */
export async function projectOrganization(em: EntityManager, envelopes: EventEnvelope[]): Promise<void> {
  for (const envelope of envelopes) {
    const event = asDomainEvent<OrganizationEvent>(envelope);
    const at = new Date(envelope.occurredAt);
    const organizationId = event.data.organization_id;
    switch (event.type) {
      case 'organization.created':
        em.persist(
          em.create(OrganizationRecord, {
            id: organizationId,
            name: event.data.name,
            slug: event.data.slug,
            workosOrganizationId: null,
            createdBy: event.data.created_by,
            createdAt: at,
            version: envelope.streamVersion,
          }),
        );
        break;
      case 'organization.member_added':
        em.persist(em.create(OrganizationMemberRecord, { organizationId, userId: event.data.user_id, role: event.data.role, joinedAt: at }));
        break;
      case 'organization.member_role_changed':
        (await em.findOneOrFail(OrganizationMemberRecord, { organizationId, userId: event.data.user_id })).role = event.data.role;
        break;
      case 'organization.member_removed':
        await em.nativeDelete(OrganizationMemberRecord, { organizationId, userId: event.data.user_id });
        break;
      case 'organization.renamed':
        (await em.findOneOrFail(OrganizationRecord, { id: organizationId })).name = event.data.name;
        break;
      case 'organization.workos_linked':
        (await em.findOneOrFail(OrganizationRecord, { id: organizationId })).workosOrganizationId = event.data.workos_organization_id;
        break;
      case 'organization.deleted': {
        const organization = await em.findOneOrFail(OrganizationRecord, { id: organizationId });
        await em.nativeDelete(OrganizationMemberRecord, { organizationId });
        // The slug is free again once the organization is gone.
        await em.execute(`DELETE FROM slug_reservations WHERE kind = 'organization' AND slug = ?`, [organization.slug]);
        em.remove(organization);
        break;
      }
    }
    if (event.type !== 'organization.created' && event.type !== 'organization.deleted') {
      (await em.findOneOrFail(OrganizationRecord, { id: organizationId })).version = envelope.streamVersion;
    }
    await em.flush();
  }
}

/** The Organization resource; `workos_organization_id` only for the organization's owners and admins. */
export function toOrganizationResource(record: OrganizationRecord, viewerRole?: OrganizationRole | null): OrganizationResource {
  const resource: OrganizationResource = { id: record.id, name: record.name, slug: record.slug, created_at: record.createdAt.toISOString() };
  if (viewerRole === 'owner' || viewerRole === 'admin') resource.workos_organization_id = record.workosOrganizationId;
  return resource;
}
