import { api, eventually, linkToken, mailsTo, signUp, type TestUser } from '@mnemo/testing';
import { uniqueEmail, workspaceIdsOf } from './helpers';
import { stackQuery } from './lifecycle-helpers';

/**
 * An invitation expires 7 days after it was made (a fixed constant, INVITATION_TTL_MS): past that it is not
 * listed, its token is refused with 409 `reason: expired`, and a verified signup for its address joins nothing.
 */
const invite = async (owner: TestUser, email: string) => {
  const response = await api('POST', '/v1/auth/invitations', { token: owner.token, workspace: owner.workspace.workspace_id, body: { email, role: 'member' } });
  expect(response.status).toBe(201);
  return response.body as { id: string; token: string; expires_at: string };
};

/**
 * Arranging time (the only reason this test writes to the database): the invitation was made 8 days ago, so
 * it expired a day ago — in the read model and in the event its aggregate is rebuilt from.
 */
async function expire(invitationId: string): Promise<string> {
  const expiredAt = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString();
  await stackQuery('UPDATE workspaces.invitations SET expires_at = $2 WHERE id = $1', [invitationId, expiredAt]);
  const updated = await stackQuery(
    `UPDATE workspaces.events SET data = jsonb_set(data, '{expires_at}', to_jsonb($2::text)) WHERE stream_id = $1 AND stream_version = 1 RETURNING id`,
    [`invitation-${invitationId}`, expiredAt],
  );
  expect(updated).toHaveLength(1);
  return expiredAt;
}

/** Verifies the address with identity's verification mail (the invited address also got invitation mails). */
async function verifyInvitedAddress(user: TestUser): Promise<void> {
  const token = await eventually(
    async () => mailsTo(process.env.MNEMO_TEST_MAIL_DIR!, user.email).map(linkToken).find((t) => !t.startsWith('mnemo_inv_')),
    10_000,
    `the verification mail to ${user.email}`,
  );
  const response = await api('POST', '/v1/auth/verify-email', { body: { token } });
  expect(response.status).toBe(200);
}

describe('an expired invitation', () => {
  it('is not listed, its token is refused with 409 expired, and nobody joins through it', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const email = uniqueEmail();
    const expired = await invite(ada, email);
    // A control invitation for the same address that is still valid: the signup below must join this one.
    await invite(bob, email);
    const expiredAt = await expire(expired.id);

    const listed = await api('GET', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id });
    expect(listed.status).toBe(200);
    expect(listed.body.invitations).toEqual([]);

    const carol = await signUp();
    const refused = await api('POST', '/v1/auth/invitations/accept', { token: carol.token, body: { token: expired.token } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'expired', expires_at: expiredAt } });
    expect(await workspaceIdsOf(carol)).toEqual([carol.workspace.workspace_id]);

    // The invited address signs up and verifies: only the valid invitation becomes a membership.
    const invitee = await signUp({ email });
    await verifyInvitedAddress(invitee);
    const reached = await workspaceIdsOf(invitee);
    expect(reached).toContain(bob.workspace.workspace_id);
    expect(reached).not.toContain(ada.workspace.workspace_id);
  });
});
