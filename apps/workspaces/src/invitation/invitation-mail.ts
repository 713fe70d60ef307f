import { IDENTITY_RPC, type InvitationResource, type SendInvitationEmailRequest } from '@mnemo/contracts';
import type { ServiceRuntime } from '@mnemo/messaging';
import { IdentityUsers } from '../identity-users';
import { WorkspaceRecord } from '../workspace/workspace.projection';

/**
 * Mails a new invitation through identity's Mailer, after the invitation committed (the token exists only in
 * that answer). Like signup's verification mail it never fails the request: a mail that cannot go is logged,
 * and the inviter still holds the token from the answer.
 */
export class InvitationMail {
  private readonly users: IdentityUsers;

  constructor(private readonly runtime: ServiceRuntime) {
    this.users = new IdentityUsers(runtime.rpc);
  }

  async send(invitation: InvitationResource): Promise<void> {
    // A replayed answer (Idempotency-Key) carries no token: its mail went with the first answer.
    if (!invitation.token) return;
    try {
      const workspace = await this.runtime.orm.em.fork().findOne(WorkspaceRecord, { workspaceId: invitation.workspace_id });
      const inviter = await this.users.get(invitation.invited_by).catch(() => null);
      const request: SendInvitationEmailRequest = {
        email: invitation.email,
        token: invitation.token,
        workspace_name: workspace?.name ?? 'a Mnemo workspace',
        inviter_name: inviter?.name ?? inviter?.email ?? null,
        expires_at: invitation.expires_at,
      };
      const reply = await this.runtime.rpc.call<{ sent: boolean }>('identity', IDENTITY_RPC.sendInvitationEmail, request);
      if (!reply.ok || !reply.data.sent) this.runtime.logger.warn({ invitation_id: invitation.id, error: reply.ok ? undefined : reply.error.code }, 'invitation mail not sent');
    } catch (error) {
      this.runtime.logger.warn({ err: error, invitation_id: invitation.id }, 'invitation mail not sent');
    }
  }
}
