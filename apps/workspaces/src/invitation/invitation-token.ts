import { createHash, randomBytes } from 'node:crypto';

/** An invitation's single-use acceptance token: 256 random bits, shown once to the inviter. */
export function newInvitationToken(): string {
  return `mnemo_inv_${randomBytes(32).toString('base64url')}`;
}

/** What events and the read model keep instead of the token. */
export function invitationTokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
