import { api, eventually, mintKey, signUp } from '@mnemo/testing';
import { addByInvitation, uniqueEmail, verifiedUser, verifyEmail, workspaceIdsOf } from './helpers';

const members = (workspaceId: number, token: string) => api('GET', `/v1/workspaces/${workspaceId}/members`, { token });

describe('workspace members', () => {
  it('lists members with their user details, the creator as owner', async () => {
    const ada = await signUp({ name: 'Ada Lovelace' });
    const response = await members(ada.workspace.workspace_id, ada.token);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      members: [{ user: { id: ada.user.id, email: ada.email, name: 'Ada Lovelace' }, role: 'owner', joined_at: expect.stringMatching(/Z$/) }],
    });
  });

  it('adds an existing verified user at once (workspace-api addMember), with the default role member', async () => {
    const ada = await signUp();
    const bob = await verifiedUser();
    const added = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: ada.token, body: { email: bob.email.toUpperCase() } });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      status: 'added',
      membership: { user: { id: bob.user.id, email: bob.email, name: null }, role: 'member', joined_at: expect.any(String) },
    });
    expect(await workspaceIdsOf(bob)).toContain(ada.workspace.workspace_id);
    const again = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: ada.token, body: { email: bob.email } });
    expect(again.status).toBe(409);
  });

  it('invites anyone else: an unknown address, or an account that has not verified it', async () => {
    const ada = await signUp();
    const unverified = await signUp();
    for (const email of [uniqueEmail(), unverified.email]) {
      const response = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: ada.token, body: { email, role: 'viewer' } });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        status: 'invited',
        invitation: expect.objectContaining({ email: email.toLowerCase(), role: 'viewer', status: 'pending', token: expect.stringMatching(/^mnemo_inv_/) }),
      });
    }
    expect(await workspaceIdsOf(unverified)).toEqual([unverified.workspace.workspace_id]);
    // An invitation never grants owner: an owner can be added only as a verified user.
    const owner = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: ada.token, body: { email: uniqueEmail(), role: 'owner' } });
    expect(owner.status).toBe(400);
    expect(owner.body.error.details).toEqual({ field: 'role' });
  });

  it('does not let an invitation for an email taken over by an unverified signup be accepted by signing up', async () => {
    const ada = await signUp();
    const email = uniqueEmail('takeover');
    const invited = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email, role: 'member' } });
    expect(invited.status).toBe(201);
    const squatter = await signUp({ email });
    expect(squatter.user.email_verified).toBe(false);
    expect(await workspaceIdsOf(squatter)).toEqual([squatter.workspace.workspace_id]);
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: squatter.token })).status).toBe(404);
    // Adding that address again makes no membership either: the account has not proved the address.
    const added = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: ada.token, body: { email } });
    expect(added.status).toBe(409);
    expect(added.body.error.details).toMatchObject({ reason: 'already_invited' });
    expect(await workspaceIdsOf(squatter)).toEqual([squatter.workspace.workspace_id]);
  });

  it('joins every pending invitation for an address once it is verified', async () => {
    const ada = await signUp();
    const grace = await signUp();
    const bob = await signUp();
    for (const [inviter, role] of [
      [ada, 'viewer'],
      [grace, 'admin'],
    ] as const) {
      const response = await api('POST', '/v1/auth/invitations', { token: inviter.token, workspace: inviter.workspace.workspace_id, body: { email: bob.email, role } });
      expect(response.status).toBe(201);
    }
    await verifyEmail(bob);
    const roles = (await api('GET', '/v1/auth/workspaces', { token: bob.token })).body.workspaces.map((w: { workspace_id: number; role: string }) => [w.workspace_id, w.role]);
    expect(roles).toEqual(
      expect.arrayContaining([
        [ada.workspace.workspace_id, 'viewer'],
        [grace.workspace.workspace_id, 'admin'],
      ]),
    );
    const pending = await api('GET', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id });
    expect(pending.body.invitations).toEqual([]);
  });

  describe('grant rules', () => {
    it('lets only owners grant owner or admin', async () => {
      const ada = await signUp();
      const admin = await signUp();
      const carol = await verifiedUser();
      await addByInvitation(ada, admin, 'admin');
      const workspaceId = ada.workspace.workspace_id;
      const byAdmin = await api('POST', `/v1/workspaces/${workspaceId}/members`, { token: admin.token, body: { email: carol.email, role: 'admin' } });
      expect(byAdmin.status).toBe(403);
      expect(byAdmin.body.error).toMatchObject({ code: 'FORBIDDEN', details: { required_role: 'owner' } });
      const asMember = await api('POST', `/v1/workspaces/${workspaceId}/members`, { token: admin.token, body: { email: carol.email, role: 'member' } });
      expect(asMember.status).toBe(201);
      const promote = await api('PATCH', `/v1/workspaces/${workspaceId}/members/${carol.user.id}`, { token: admin.token, body: { role: 'admin' } });
      expect(promote.status).toBe(403);
      const byOwner = await api('PATCH', `/v1/workspaces/${workspaceId}/members/${carol.user.id}`, { token: ada.token, body: { role: 'owner' } });
      expect(byOwner.status).toBe(200);
      expect(byOwner.body).toMatchObject({ user: { id: carol.user.id, email: carol.email }, role: 'owner' });
    });

    it('never lets the last owner be demoted, removed or leave; a second owner makes it possible', async () => {
      const ada = await signUp();
      const bob = await verifiedUser();
      const workspaceId = ada.workspace.workspace_id;
      const me = `/v1/workspaces/${workspaceId}/members/${ada.user.id}`;
      for (const [method, path, body] of [
        ['PATCH', me, { role: 'admin' }],
        ['DELETE', me, undefined],
        ['DELETE', `/v1/workspaces/${workspaceId}/members/me`, undefined],
      ] as const) {
        const response = await api(method, path, { token: ada.token, body });
        expect([method, path, response.status, response.body.error.details]).toEqual([method, path, 409, { reason: 'last_owner' }]);
      }
      expect((await members(workspaceId, ada.token)).body.members).toEqual([expect.objectContaining({ role: 'owner' })]);

      expect((await api('POST', `/v1/workspaces/${workspaceId}/members`, { token: ada.token, body: { email: bob.email, role: 'owner' } })).status).toBe(201);
      const demoted = await api('PATCH', me, { token: ada.token, body: { role: 'member' } });
      expect(demoted.status).toBe(200);
      expect(demoted.body.role).toBe('member');
      // Now Bob is the last owner.
      expect((await api('DELETE', `/v1/workspaces/${workspaceId}/members/me`, { token: bob.token })).status).toBe(409);
      expect((await api('DELETE', `/v1/workspaces/${workspaceId}/members/me`, { token: ada.token })).status).toBe(204);
    });

    it('keeps one owner when two owners demote each other at the same time', async () => {
      const ada = await signUp();
      const bob = await verifiedUser();
      const workspaceId = ada.workspace.workspace_id;
      await api('POST', `/v1/workspaces/${workspaceId}/members`, { token: ada.token, body: { email: bob.email, role: 'owner' } });
      const [first, second] = await Promise.all([
        api('PATCH', `/v1/workspaces/${workspaceId}/members/${bob.user.id}`, { token: ada.token, body: { role: 'member' } }),
        api('PATCH', `/v1/workspaces/${workspaceId}/members/${ada.user.id}`, { token: bob.token, body: { role: 'member' } }),
      ]);
      // The workspace lock puts one after the other: the second finds its author no longer an owner (403), or
      // its target the last owner (409). Never both demotions.
      const [succeeded, refused] = [first.status, second.status].sort();
      expect(succeeded).toBe(200);
      expect([403, 409]).toContain(refused);
      const roles = (await members(workspaceId, first.status === 200 ? ada.token : bob.token)).body.members.map((m: { role: string }) => m.role);
      expect(roles.filter((role: string) => role === 'owner')).toHaveLength(1);
    });

    it('lets only owners remove members (workspace-api removeMember)', async () => {
      const ada = await signUp();
      const admin = await signUp();
      const viewer = await signUp();
      await addByInvitation(ada, admin, 'admin');
      await addByInvitation(ada, viewer, 'viewer');
      const workspaceId = ada.workspace.workspace_id;
      const byAdmin = await api('DELETE', `/v1/workspaces/${workspaceId}/members/${viewer.user.id}`, { token: admin.token });
      expect(byAdmin.status).toBe(403);
      expect(byAdmin.body.error.details).toEqual({ required_role: 'owner' });
      expect((await api('DELETE', `/v1/workspaces/${workspaceId}/members/${viewer.user.id}`, { token: ada.token })).status).toBe(204);
      // The removal reaches the gateways within 5 seconds.
      await eventually(async () => ((await api('GET', `/v1/workspaces/${workspaceId}`, { token: viewer.token })).status === 404 ? true : undefined), 6000, 'the removal');
      expect((await api('DELETE', `/v1/workspaces/${workspaceId}/members/${viewer.user.id}`, { token: ada.token })).status).toBe(404);
    });

    it('lets a member leave, and a member cannot manage members', async () => {
      const ada = await signUp();
      const bob = await signUp();
      await addByInvitation(ada, bob, 'member');
      const workspaceId = ada.workspace.workspace_id;
      expect((await members(workspaceId, bob.token)).status).toBe(403);
      expect((await api('PATCH', `/v1/workspaces/${workspaceId}/members/${ada.user.id}`, { token: bob.token, body: { role: 'viewer' } })).status).toBe(403);
      expect((await api('DELETE', `/v1/workspaces/${workspaceId}/members/me`, { token: bob.token })).status).toBe(204);
      await eventually(async () => ((await api('GET', `/v1/workspaces/${workspaceId}`, { token: bob.token })).status === 404 ? true : undefined), 6000, 'leaving');
      expect((await members(workspaceId, ada.token)).body.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([ada.user.id]);
    });

    it('role changes reach the gateways within 5 seconds', async () => {
      const ada = await signUp();
      const bob = await signUp();
      await addByInvitation(ada, bob, 'admin');
      const workspaceId = ada.workspace.workspace_id;
      expect((await members(workspaceId, bob.token)).status).toBe(200);
      expect((await api('PATCH', `/v1/workspaces/${workspaceId}/members/${bob.user.id}`, { token: ada.token, body: { role: 'viewer' } })).status).toBe(200);
      await eventually(async () => ((await members(workspaceId, bob.token)).status === 403 ? true : undefined), 6000, 'the demotion');
    });
  });

  it('lets a key with workspace:admin manage members as an admin at most, and never leave', async () => {
    const ada = await signUp();
    const bob = await verifiedUser();
    const workspaceId = ada.workspace.workspace_id;
    const key = await mintKey(ada.token, workspaceId, ['workspace:admin', 'memory:read']);
    const asAdmin = await api('POST', `/v1/workspaces/${workspaceId}/members`, { token: key.key, body: { email: bob.email, role: 'admin' } });
    expect(asAdmin.status).toBe(403);
    const asMember = await api('POST', `/v1/workspaces/${workspaceId}/members`, { token: key.key, body: { email: bob.email, role: 'member' } });
    expect(asMember.status).toBe(201);
    expect((await api('DELETE', `/v1/workspaces/${workspaceId}/members/${bob.user.id}`, { token: key.key })).status).toBe(403);
    expect((await api('DELETE', `/v1/workspaces/${workspaceId}/members/me`, { token: key.key })).status).toBe(403);
    expect((await members(workspaceId, key.key)).body.members).toHaveLength(2);
  });

  it.each([
    ['an unknown field', { email: 'x@example.com', admin: true }],
    ['an invalid email', { email: 'not-an-email' }],
    ['an unknown role', { email: 'x@example.com', role: 'superuser' }],
  ])('refuses %s with VALIDATION_ERROR and adds nobody', async (_, body) => {
    const ada = await signUp();
    const response = await api('POST', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: ada.token, body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect((await members(ada.workspace.workspace_id, ada.token)).body.members).toHaveLength(1);
    expect((await api('GET', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id })).body.invitations).toEqual([]);
  });

  it('answers a malformed or unknown member id with 404', async () => {
    const ada = await signUp();
    const stranger = await signUp();
    for (const userId of ['abc', '00000000-0000-0000-0000-000000000000', stranger.user.id]) {
      const path = `/v1/workspaces/${ada.workspace.workspace_id}/members/${userId}`;
      expect((await api('PATCH', path, { token: ada.token, body: { role: 'viewer' } })).status).toBe(404);
      expect((await api('DELETE', path, { token: ada.token })).status).toBe(404);
    }
  });
});
