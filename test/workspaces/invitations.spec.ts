import { api, mintKey, signUp } from '@mnemo/testing';
import { uniqueEmail, workspaceIdsOf } from './helpers';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('invitations (/v1/auth/invitations)', () => {
  it('creates an invitation for the session’s Mnemo-Workspace, expiring in 7 days, with its token shown once', async () => {
    const ada = await signUp();
    const email = uniqueEmail();
    const created = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email, role: 'viewer' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      workspace_id: ada.workspace.workspace_id,
      email,
      role: 'viewer',
      status: 'pending',
      invited_by: ada.user.id,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      token: expect.stringMatching(/^mnemo_inv_[A-Za-z0-9_-]{43}$/),
    });
    const lifetime = Date.parse(created.body.expires_at) - Date.parse(created.body.created_at);
    expect(lifetime).toBeGreaterThan(7 * DAY_MS - 1000);
    expect(lifetime).toBeLessThanOrEqual(7 * DAY_MS);
    const listed = await api('GET', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id });
    expect(listed.status).toBe(200);
    const { token: _token, ...withoutToken } = created.body;
    expect(listed.body).toEqual({ invitations: [withoutToken] });
  });

  it('defaults the role to member, never grants owner, and lets only owners invite admins', async () => {
    const ada = await signUp();
    const admin = await signUp();
    const workspace = ada.workspace.workspace_id;
    const asMember = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace, body: { email: uniqueEmail() } });
    expect(asMember.body.role).toBe('member');
    const owner = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace, body: { email: uniqueEmail(), role: 'owner' } });
    expect(owner.status).toBe(400);
    const adminInvitation = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace, body: { email: admin.email, role: 'admin' } });
    expect(adminInvitation.status).toBe(201);
    expect((await api('POST', '/v1/auth/invitations/accept', { token: admin.token, body: { token: adminInvitation.body.token } })).status).toBe(200);
    const byAdmin = await api('POST', '/v1/auth/invitations', { token: admin.token, workspace, body: { email: uniqueEmail(), role: 'admin' } });
    expect(byAdmin.status).toBe(403);
    expect((await api('POST', '/v1/auth/invitations', { token: admin.token, workspace, body: { email: uniqueEmail(), role: 'viewer' } })).status).toBe(201);
  });

  it('uses the key’s workspace for API keys, ignoring Mnemo-Workspace', async () => {
    const ada = await signUp();
    const other = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['workspace:admin']);
    const created = await api('POST', '/v1/auth/invitations', { token: key.key, workspace: other.workspace.workspace_id, body: { email: uniqueEmail() } });
    expect(created.status).toBe(201);
    expect(created.body.workspace_id).toBe(ada.workspace.workspace_id);
  });

  it('needs Mnemo-Workspace with a session, and 404s a workspace the session is not in', async () => {
    const ada = await signUp();
    const stranger = await signUp();
    expect((await api('GET', '/v1/auth/invitations', { token: ada.token })).status).toBe(400);
    expect((await api('GET', '/v1/auth/invitations', { token: stranger.token, workspace: ada.workspace.workspace_id })).status).toBe(404);
  });

  it('refuses a second pending invitation for the same address, and one for a member', async () => {
    const ada = await signUp();
    const email = uniqueEmail();
    const workspace = ada.workspace.workspace_id;
    expect((await api('POST', '/v1/auth/invitations', { token: ada.token, workspace, body: { email } })).status).toBe(201);
    const twice = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace, body: { email: email.toUpperCase() } });
    expect(twice.status).toBe(409);
    expect(twice.body.error.details).toMatchObject({ reason: 'already_invited' });
    const member = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace, body: { email: ada.email } });
    expect(member.status).toBe(409);
    expect(member.body.error.details).toEqual({ reason: 'already_member' });
  });

  it('is accepted once with its token, by a signed-in user, answering the workspace and membership', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const carol = await signUp();
    const invited = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email: bob.email, role: 'viewer' } });
    const accepted = await api('POST', '/v1/auth/invitations/accept', { token: bob.token, body: { token: invited.body.token } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({
      workspace: ada.workspace,
      membership: { user: { id: bob.user.id, email: bob.email, name: null }, role: 'viewer', joined_at: expect.any(String) },
    });
    expect(await workspaceIdsOf(bob)).toContain(ada.workspace.workspace_id);
    const reused = await api('POST', '/v1/auth/invitations/accept', { token: carol.token, body: { token: invited.body.token } });
    expect(reused.status).toBe(409);
    expect(reused.body.error.details).toEqual({ reason: 'accepted' });
    expect(await workspaceIdsOf(carol)).toEqual([carol.workspace.workspace_id]);
    const unknown = await api('POST', '/v1/auth/invitations/accept', { token: carol.token, body: { token: `mnemo_inv_${'A'.repeat(43)}` } });
    expect(unknown.status).toBe(404);
    // API keys are not people: they accept nothing.
    const key = await mintKey(carol.token, carol.workspace.workspace_id, ['workspace:admin']);
    expect((await api('POST', '/v1/auth/invitations/accept', { token: key.key, body: { token: invited.body.token } })).status).toBe(403);
  });

  it('refuses acceptance by someone who is already a member, leaving the invitation pending', async () => {
    const ada = await signUp();
    const invited = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email: uniqueEmail() } });
    const response = await api('POST', '/v1/auth/invitations/accept', { token: ada.token, body: { token: invited.body.token } });
    expect(response.status).toBe(409);
    const pending = await api('GET', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id });
    expect(pending.body.invitations.map((i: { id: string }) => i.id)).toEqual([invited.body.id]);
  });

  it('is cancelled by an admin; a cancelled invitation cannot be accepted and is gone', async () => {
    const ada = await signUp();
    const bob = await signUp();
    const workspace = ada.workspace.workspace_id;
    const invited = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace, body: { email: bob.email } });
    expect((await api('DELETE', `/v1/auth/invitations/${invited.body.id}`, { token: ada.token, workspace })).status).toBe(204);
    expect((await api('GET', '/v1/auth/invitations', { token: ada.token, workspace })).body.invitations).toEqual([]);
    expect((await api('DELETE', `/v1/auth/invitations/${invited.body.id}`, { token: ada.token, workspace })).status).toBe(404);
    const accept = await api('POST', '/v1/auth/invitations/accept', { token: bob.token, body: { token: invited.body.token } });
    expect(accept.status).toBe(409);
    expect(accept.body.error.details).toEqual({ reason: 'cancelled' });
  });

  it('does not cancel another workspace’s invitation, nor answer a malformed id', async () => {
    const ada = await signUp();
    const eve = await signUp();
    const invited = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email: uniqueEmail() } });
    expect((await api('DELETE', `/v1/auth/invitations/${invited.body.id}`, { token: eve.token, workspace: eve.workspace.workspace_id })).status).toBe(404);
    expect((await api('DELETE', '/v1/auth/invitations/not-a-uuid', { token: ada.token, workspace: ada.workspace.workspace_id })).status).toBe(404);
    expect((await api('GET', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id })).body.invitations).toHaveLength(1);
  });

  it.each([
    ['an invalid email', { email: 'nope' }],
    ['an unknown field', { email: 'x@example.com', expires_at: '2030-01-01T00:00:00Z' }],
    ['a role outside admin, member, viewer', { email: 'x@example.com', role: 'billing_admin' }],
  ])('refuses %s with VALIDATION_ERROR and creates nothing', async (_, body) => {
    const ada = await signUp();
    const response = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body });
    expect(response.status).toBe(400);
    expect((await api('GET', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id })).body.invitations).toEqual([]);
  });

  it('replays a create with the same Idempotency-Key without the token, and creates one invitation', async () => {
    const ada = await signUp();
    const headers = { 'idempotency-key': `invite-${Date.now()}` };
    const body = { email: uniqueEmail(), role: 'member' };
    const first = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body, headers });
    const replay = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body, headers });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    const { token, ...rest } = first.body;
    expect(token).toBeDefined();
    expect(replay.body).toEqual(rest);
    expect((await api('GET', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id })).body.invitations).toHaveLength(1);
  });
});
