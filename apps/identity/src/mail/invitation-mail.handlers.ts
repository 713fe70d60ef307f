import { Controller, Inject } from '@nestjs/common';
import { IDENTITY_RPC, MnemoError, type SendInvitationEmailRequest } from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { IDENTITY_SETTINGS } from '../identity.tokens';
import type { IdentitySettings } from '../identity.settings';
import { Mailer } from './mailer';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const INVITATION_TOKEN = /^mnemo_inv_[A-Za-z0-9_-]{20,100}$/;

/** Names travel into a mail's subject and text: one line, bounded, so nobody can shape the message. */
function oneLine(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const line = value.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();
  return line ? Array.from(line).slice(0, max).join('') : null;
}

/**
 * Invitation mail: identity owns the Mailer port, so the workspaces service hands it the invitation (with its
 * token, which nothing stores) once the invitation committed. Transport problems never fail the invitation:
 * they are logged and answered `sent: false`.
 */
@Controller()
export class InvitationMailHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
    private readonly mailer: Mailer,
  ) {}

  @RpcHandler('identity', IDENTITY_RPC.sendInvitationEmail)
  async sendInvitationEmail(request: SendInvitationEmailRequest): Promise<{ sent: boolean }> {
    const email = typeof request?.email === 'string' ? request.email.trim() : '';
    if (!EMAIL.test(email) || email.length > 320) throw new MnemoError('VALIDATION_ERROR', 'email must be an email address', { field: 'email' });
    if (typeof request.token !== 'string' || !INVITATION_TOKEN.test(request.token)) throw new MnemoError('VALIDATION_ERROR', 'token must be an invitation token', { field: 'token' });
    const expiresAt = typeof request.expires_at === 'string' ? Date.parse(request.expires_at) : Number.NaN;
    if (Number.isNaN(expiresAt)) throw new MnemoError('VALIDATION_ERROR', 'expires_at must be an ISO 8601 time', { field: 'expires_at' });
    const workspace = oneLine(request.workspace_name, 80) ?? 'a Mnemo workspace';
    const inviter = oneLine(request.inviter_name, 100);
    const link = `${this.settings.publicUrl}/accept-invitation?token=${encodeURIComponent(request.token)}`;
    try {
      await this.mailer.send({
        to: email,
        subject: `You are invited to ${workspace} on Mnemo`,
        text:
          `${inviter ?? 'Someone'} invited you to the workspace "${workspace}" on Mnemo.\n\n` +
          `Accept the invitation with this link (valid until ${new Date(expiresAt).toISOString()}):\n\n${link}\n\n` +
          `Or sign in and send the token to POST /v1/auth/invitations/accept.\n` +
          `If you did not expect this invitation, ignore this message.\n`,
      });
      return { sent: true };
    } catch (error) {
      this.runtime.logger.warn({ err: error }, 'could not send the invitation mail');
      return { sent: false };
    }
  }
}
