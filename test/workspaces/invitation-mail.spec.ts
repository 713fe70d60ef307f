import { api, connectTestRpc, eventually, linkToken, mailsTo, signUp } from '@mnemo/testing';
import { uniqueEmail } from './helpers';

const mailDir = () => process.env.MNEMO_TEST_MAIL_DIR!;
const invitationMail = (email: string) =>
  eventually(async () => mailsTo(mailDir(), email).find((mail) => /invited/i.test(mail.subject)), 15_000, `the invitation mail to ${email}`);

describe('invitation mail', () => {
  it('mails the invitee a link whose token accepts the invitation', async () => {
    const ada = await signUp({ name: 'Ada Lovelace' });
    const email = uniqueEmail();
    const created = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email, role: 'viewer' } });
    expect(created.status).toBe(201);
    const mail = await invitationMail(email);
    expect(mail.subject).toContain(ada.workspace.name);
    expect(mail.text).toContain('Ada Lovelace');
    const token = linkToken(mail);
    expect(token).toBe(created.body.token);

    // The invitee signs up with that address (not yet verified) and accepts with the mailed token.
    const invitee = await signUp({ email });
    const accepted = await api('POST', '/v1/auth/invitations/accept', { token: invitee.token, body: { token } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.workspace.workspace_id).toBe(ada.workspace.workspace_id);
    expect(accepted.body.membership).toMatchObject({ role: 'viewer', user: { id: invitee.user.id } });
    // Single use: the mailed token does not work twice.
    expect((await api('POST', '/v1/auth/invitations/accept', { token: invitee.token, body: { token } })).status).not.toBe(200);
  });

  it('mails the invitation that adding a member without a verified account creates', async () => {
    const ada = await signUp();
    const email = uniqueEmail('added');
    const added = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: ada.token, body: { email, role: 'member' } });
    expect(added.status).toBe(201);
    expect(added.body.status).toBe('invited');
    const mail = await invitationMail(email);
    const invitee = await signUp({ email });
    const accepted = await api('POST', '/v1/auth/invitations/accept', { token: invitee.token, body: { token: linkToken(mail) } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.membership.role).toBe('member');
  });

  it('sends no second mail when an Idempotency-Key replays the invitation', async () => {
    const ada = await signUp();
    const email = uniqueEmail('replayed');
    const call = () =>
      api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, headers: { 'idempotency-key': `k-${email}` }, body: { email } });
    expect((await call()).status).toBe(201);
    await invitationMail(email);
    const replay = await call();
    expect(replay.status).toBe(201);
    expect(replay.body.token).toBeUndefined();
    // A marker mail sent after the replay arrives after any mail the replay would have sent.
    const marker = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email: uniqueEmail('marker') } });
    await invitationMail(marker.body.email);
    expect(mailsTo(mailDir(), email)).toHaveLength(1);
  });

  it('is sent by identity only for an invitation token, with names kept to one line', async () => {
    const rpc = await connectTestRpc();
    try {
      const email = uniqueEmail('direct');
      const request = { email, token: `mnemo_inv_${'A'.repeat(43)}`, workspace_name: 'Lab\r\nBcc: someone@example.com', inviter_name: 'Ada', expires_at: new Date().toISOString() };
      expect(await rpc.call('identity', 'sendInvitationEmail', { ...request, token: 'not-an-invitation' })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_ERROR', details: { field: 'token' } },
      });
      expect(await rpc.call('identity', 'sendInvitationEmail', { ...request, email: 'nobody' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
      expect(await rpc.succeed('identity', 'sendInvitationEmail', request)).toEqual({ sent: true });
      const mail = await invitationMail(email);
      expect(mail.subject).toBe('You are invited to Lab Bcc: someone@example.com on Mnemo');
      expect(mail.to).toEqual([email]);
    } finally {
      await rpc.close();
    }
  });
});
