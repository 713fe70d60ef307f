import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { PrimaryKeyProp } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, MembershipEvent, MembershipResource, MembershipSource, WorkspaceRole } from '@mnemo/contracts';
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
    const key = { workspaceId: event.data.workspace_id, userId: event.data.user_id };
    switch (event.type) {
      case 'membership.granted':
        em.persist(
          em.create(WorkspaceMemberRecord, {
            ...key,
            role: event.data.role,
            joinedVia: event.data.via,
            joinedAt: new Date(envelope.occurredAt),
            version: envelope.streamVersion,
          }),
        );
        break;
      case 'membership.role_changed': {
        const member = await em.findOneOrFail(WorkspaceMemberRecord, key);
        member.role = event.data.role;
        member.version = envelope.streamVersion;
        break;
      }
      case 'membership.revoked': {
        const member = await em.findOne(WorkspaceMemberRecord, key);
        if (member) em.remove(member);
        break;
      }
    }
    await em.flush();
  }
}

/** The Membership resource; `user` details come from identity (null fields when identity no longer knows the user). */
export function toMembershipResource(record: WorkspaceMemberRecord, user: { email: string; name: string | null } | null): MembershipResource {
  return {
    user: { id: record.userId, email: user?.email ?? null, name: user?.name ?? null },
    role: record.role,
    joined_at: record.joinedAt.toISOString(),
  };
}
