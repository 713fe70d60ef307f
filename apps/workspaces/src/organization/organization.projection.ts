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
    switch (event.type) {
      case 'organization.created':
        em.persist(
          em.create(OrganizationRecord, {
            id: event.data.organization_id,
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
        em.persist(
          em.create(OrganizationMemberRecord, {
            organizationId: event.data.organization_id,
            userId: event.data.user_id,
            role: event.data.role,
            joinedAt: at,
          }),
        );
        (await em.findOneOrFail(OrganizationRecord, { id: event.data.organization_id })).version = envelope.streamVersion;
        break;
    }
    await em.flush();
  }
}

export function toOrganizationResource(record: OrganizationRecord): OrganizationResource {
  return { id: record.id, name: record.name, slug: record.slug, created_at: record.createdAt.toISOString() };
}
