import { randomBytes } from 'node:crypto';
import { api, eventually, linkToken, mailsTo, signUp, type TestUser } from '@mnemo/testing';

const mailDir = () => process.env.MNEMO_TEST_MAIL_DIR!;

/** Verifies a user's email with the token identity mailed at signup (which also joins pending invitations). */
export async function verifyEmail(user: TestUser): Promise<void> {
  const mail = await eventually(async () => mailsTo(mailDir(), user.email)[0], 10_000, `the verification mail to ${user.email}`);
  const response = await api('POST', '/v1/auth/verify-email', { body: { token: linkToken(mail) } });
  if (response.status !== 200) throw new Error(`verification failed: ${response.status} ${JSON.stringify(response.body)}`);
}

/** A signed-up user whose email is verified. */
export async function verifiedUser(): Promise<TestUser> {
  const user = await signUp();
  await verifyEmail(user);
  return user;
}

export const uniqueEmail = (label = 'invitee') => `${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}@example.com`;
export const uniqueName = (label = 'ws') => `${label} ${randomBytes(4).toString('hex')}`;
export const uniqueSlug = (label = 'ws') => `${label}-${randomBytes(5).toString('hex')}`;

/** The workspaces a session reaches, by id. */
export async function workspaceIdsOf(user: TestUser): Promise<number[]> {
  const response = await api('GET', '/v1/auth/workspaces', { token: user.token });
  return (response.body.workspaces as { workspace_id: number }[]).map((w) => w.workspace_id);
}

/** Adds `member` to `owner`'s personal workspace with a role, through an invitation token (works for anyone). */
export async function addByInvitation(owner: TestUser, member: TestUser, role: 'admin' | 'member' | 'viewer'): Promise<void> {
  const invited = await api('POST', '/v1/auth/invitations', { token: owner.token, workspace: owner.workspace.workspace_id, body: { email: member.email, role } });
  if (invited.status !== 201) throw new Error(`invitation failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const accepted = await api('POST', '/v1/auth/invitations/accept', { token: member.token, body: { token: invited.body.token } });
  if (accepted.status !== 200) throw new Error(`acceptance failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
}
