import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { PrimaryKeyProp } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, MembershipEvent, MembershipSource, WorkspaceRole } from '@mnemo/contracts';
import { asDomainEvent } from '../decider';

/** Read model of workspace memberships, written in the transaction that appends their events. */
@Entity({ tableName: 'workspace_members' })
@Index({ properties: ['userId'] })
export class WorkspaceMemberRecord {
  [PrimaryKeyProp]?: ['workspaceId', 'userId'];

  @PrimaryKey({ type: 'integer', autoincrement: false })
  workspaceId!: number;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'text' })
  role!: WorkspaceRole;

  @Property({ type: 'text' })
  joinedVia!: MembershipSource;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  joinedAt!: Date;

  /** The membership stream's version. */
  @Property({ type: 'integer' })
  version!: number;
}

export async function projectMembership(em: EntityManager, envelopes: EventEnvelope[]): Promise<void> {
  for (const envelope of envelopes) {
    const event = asDomainEvent<MembershipEvent>(envelope);
    switch (event.type) {
      case 'membership.granted':
        em.persist(
          em.create(WorkspaceMemberRecord, {
            workspaceId: event.data.workspace_id,
            userId: event.data.user_id,
            role: event.data.role,
            joinedVia: event.data.via,
            joinedAt: new Date(envelope.occurredAt),
            version: envelope.streamVersion,
          }),
        );
        break;
    }
    await em.flush();
  }
}
