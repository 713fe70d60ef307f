import { api, signUp, type TestUser } from '@mnemo/testing';
import { addByInvitation } from './helpers';

/** Joining is limited to 5 requests per 15 minutes per user: each user here joins a few times at most. */
const join = (user: TestUser, code: string) => api('POST', '/v1/join', { token: user.token, body: { code } });
const joinInfo = (owner: TestUser) => api('GET', `/v1/workspaces/${owner.workspace.workspace_id}/join-info`, { token: owner.token });

describe('join codes (workspace-api getJoinInfo, joinByCode)', () => {
  it('gives every workspace a code of at least 80 bits from creation, and lets a user join as member', async () => {
    const ada = await signUp();
    const info = await joinInfo(ada);
    expect(info.status).toBe(200);
    expect(info.body).toEqual({ invite_code: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{20}$/), expires_at: null });
    const bob = await signUp();
    const joined = await join(bob, info.body.invite_code.toLowerCase());
    expect(joined.status).toBe(200);
    expect(joined.body).toEqual({
      workspace: ada.workspace,
      membership: { user: { id: bob.user.id, email: bob.email, name: null }, role: 'member', joined_at: expect.any(String) },
    });
    const again = await join(bob, info.body.invite_code);
    expect(again.status).toBe(409);
  });

  it('is shown to owners and admins only', async () => {
    const ada = await signUp();
    const member = await signUp();
    await addByInvitation(ada, member, 'member');
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}/join-info`, { token: member.token })).status).toBe(403);
  });

  it('rotates: the old code stops working at once, the new one may expire', async () => {
    const ada = await signUp();
    const old = (await joinInfo(ada)).body.invite_code;
    const rotated = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/join-code`, { token: ada.token, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.invite_code).not.toBe(old);
    expect((await joinInfo(ada)).body).toEqual(rotated.body);
    const bob = await signUp();
    expect((await join(bob, old)).status).toBe(404);

    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const expiring = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/join-code`, { token: ada.token, body: { expires_at: expiresAt } });
    expect(expiring.body).toEqual({ invite_code: expect.any(String), expires_at: expiresAt });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await join(bob, expiring.body.invite_code)).status).toBe(404);
  });

  it('refuses an expiry in the past and an unknown field, and keeps the code', async () => {
    const ada = await signUp();
    const before = (await joinInfo(ada)).body;
    const path = `/v1/workspaces/${ada.workspace.workspace_id}/join-code`;
    const past = await api('POST', path, { token: ada.token, body: { expires_at: new Date(Date.now() - 1000).toISOString() } });
    expect(past.status).toBe(400);
    expect(past.body.error.details).toEqual({ field: 'expires_at' });
    expect((await api('POST', path, { token: ada.token, body: { expires_at: 'tomorrow' } })).status).toBe(400);
    expect((await api('POST', path, { token: ada.token, body: { code: 'CHOSEN' } })).status).toBe(400);
    expect((await joinInfo(ada)).body).toEqual(before);
  });

  it('answers an unknown code with 404 and a missing one with 400', async () => {
    const bob = await signUp();
    expect((await join(bob, '0000000000000000000Z')).status).toBe(404);
    expect((await api('POST', '/v1/join', { token: bob.token, body: {} })).status).toBe(400);
  });
});
