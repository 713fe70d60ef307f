import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, InvitationEvent, InvitationResource, InvitationRole, InvitationStatus } from '@mnemo/contracts';
import { asDomainEvent } from '../decider';

/** Read model of invitations, written in the transaction that appends their events. */
@Entity({ tableName: 'invitations' })
@Index({ properties: ['workspaceId'] })
export class InvitationRecord {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'integer' })
  workspaceId!: number;

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text' })
  role!: InvitationRole;

  @Property({ type: 'text' })
  status!: InvitationStatus;

  /** The acceptance token is a credential: only its SHA-256 is kept. */
  @Property({ type: 'text', unique: true })
  tokenSha256!: string;

  @Property({ type: 'uuid' })
  invitedBy!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'uuid', nullable: true })
  acceptedBy: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  acceptedAt: Date | null = null;

  @Property({ type: 'integer' })
  version!: number;
}

export async function projectInvitation(em: EntityManager, envelopes: EventEnvelope[]): Promise<void> {
  for (const envelope of envelopes) {
    const event = asDomainEvent<InvitationEvent>(envelope);
    switch (event.type) {
      case 'invitation.created':
        em.persist(
          em.create(InvitationRecord, {
            id: event.data.invitation_id,
            workspaceId: event.data.workspace_id,
            email: event.data.email,
            role: event.data.role,
            status: 'pending',
            tokenSha256: event.data.token_sha256,
            invitedBy: event.data.invited_by,
            createdAt: new Date(envelope.occurredAt),
            expiresAt: new Date(event.data.expires_at),
            acceptedBy: null,
            acceptedAt: null,
            version: envelope.streamVersion,
          }),
        );
        break;
      case 'invitation.accepted': {
        const invitation = await em.findOneOrFail(InvitationRecord, { id: event.data.invitation_id });
        invitation.status = 'accepted';
        invitation.acceptedBy = event.data.user_id;
        invitation.acceptedAt = new Date(envelope.occurredAt);
        invitation.version = envelope.streamVersion;
        break;
      }
      case 'invitation.cancelled': {
        const invitation = await em.findOneOrFail(InvitationRecord, { id: event.data.invitation_id });
        invitation.status = 'cancelled';
        invitation.version = envelope.streamVersion;
        break;
      }
    }
    await em.flush();
  }
}

export function toInvitationResource(record: InvitationRecord, token?: string): InvitationResource {
  return {
    id: record.id,
    workspace_id: record.workspaceId,
    email: record.email,
    role: record.role,
    status: record.status,
    invited_by: record.invitedBy,
    created_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt.toISOString(),
    ...(token === undefined ? {} : { token }),
  };
}
