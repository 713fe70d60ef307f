import { api, mintKey, signUp, type TestUser } from '@mnemo/testing';
import { uniqueName, uniqueSlug, verifiedUser } from './helpers';

const addToOrganization = (owner: TestUser, organizationId: string, user: TestUser, role: string) =>
  api('POST', `/v1/organizations/${organizationId}/members`, { token: owner.token, body: { email: user.email, role } });

describe('organizations', () => {
  it('creates an organization owned by its creator, with a derived or chosen slug, and lists the caller’s', async () => {
    const ada = await signUp();
    const name = uniqueName('Engines');
    const created = await api('POST', '/v1/organizations', { token: ada.token, body: { name } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name, slug: name.toLowerCase().replace(' ', '-'), created_at: expect.any(String), workos_organization_id: null });
    const slug = uniqueSlug('org');
    const chosen = await api('POST', '/v1/organizations', { token: ada.token, body: { name: 'Chosen', slug } });
    expect(chosen.body.slug).toBe(slug);
    expect((await api('POST', '/v1/organizations', { token: ada.token, body: { name: 'Again', slug } })).status).toBe(409);
    const mine = await api('GET', '/v1/organizations', { token: ada.token });
    expect(mine.body).toEqual({ organizations: [{ ...ada.organization, workos_organization_id: null }, created.body, chosen.body] });
  });

  it.each([
    ['a 2-character name', { name: 'Ab' }, 201],
    ['an 80-character name', { name: 'n'.repeat(80) }, 201],
    ['a 1-character name', { name: 'A' }, 400],
    ['an 81-character name', { name: 'n'.repeat(81) }, 400],
    ['a slug with capitals', { name: 'Fine', slug: 'Capital' }, 400],
    ['a 51-character slug', { name: 'Fine', slug: 's'.repeat(51) }, 400],
    ['an unknown field', { name: 'Fine', plan: 'team' }, 400],
  ])('answers %s with %s', async (_, body, status) => {
    const ada = await signUp();
    const response = await api('POST', '/v1/organizations', { token: ada.token, body });
    expect(response.status).toBe(status);
    expect((await api('GET', '/v1/organizations', { token: ada.token })).body.organizations).toHaveLength(status === 201 ? 2 : 1);
  });

  it('answers each org role’s access (executor getOrganizationAccess), and 404 to a stranger or a malformed id', async () => {
    const ada = await signUp();
    const orgId = ada.organization.id;
    const expected = {
      owner: { role: 'owner', is_admin: true, can_manage_billing: true },
      admin: { role: 'admin', is_admin: true, can_manage_billing: false },
      member: { role: 'member', is_admin: false, can_manage_billing: false },
      billing_admin: { role: 'billing_admin', is_admin: false, can_manage_billing: true },
    };
    expect((await api('GET', `/v1/organizations/${orgId}/access`, { token: ada.token })).body).toEqual(expected.owner);
    for (const role of ['admin', 'member', 'billing_admin'] as const) {
      const user = await verifiedUser();
      expect((await addToOrganization(ada, orgId, user, role)).status).toBe(201);
      expect((await api('GET', `/v1/organizations/${orgId}/access`, { token: user.token })).body).toEqual(expected[role]);
    }
    const stranger = await signUp();
    expect((await api('GET', `/v1/organizations/${orgId}/access`, { token: stranger.token })).status).toBe(404);
    expect((await api('GET', '/v1/organizations/not-a-uuid/access', { token: ada.token })).status).toBe(404);
  });

  it('shows workos_organization_id only to owners and admins', async () => {
    const ada = await signUp();
    const admin = await verifiedUser();
    const member = await verifiedUser();
    await addToOrganization(ada, ada.organization.id, admin, 'admin');
    await addToOrganization(ada, ada.organization.id, member, 'billing_admin');
    const seen = async (user: TestUser) => (await api('GET', '/v1/organizations', { token: user.token })).body.organizations.find((o: { id: string }) => o.id === ada.organization.id);
    expect(await seen(admin)).toHaveProperty('workos_organization_id', null);
    expect(await seen(member)).not.toHaveProperty('workos_organization_id');
  });

  it('gives org owners and admins admin access to every workspace of the org, not plain members', async () => {
    const ada = await signUp();
    const admin = await verifiedUser();
    const member = await verifiedUser();
    await addToOrganization(ada, ada.organization.id, admin, 'admin');
    await addToOrganization(ada, ada.organization.id, member, 'member');
    const whoami = await api('GET', '/v1/auth/whoami', { token: admin.token, workspace: ada.workspace.workspace_id });
    expect(whoami.body).toMatchObject({ workspace_id: ada.workspace.workspace_id, role: 'admin' });
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: admin.token })).status).toBe(200);
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: member.token })).status).toBe(404);
    const listed = await api('GET', `/v1/workspaces?organization_id=${ada.organization.id}`, { token: admin.token });
    expect(listed.body.workspaces.map((w: { workspace_id: number }) => w.workspace_id)).toEqual([ada.workspace.workspace_id]);
    // A plain member sees the organization but none of its workspaces.
    expect((await api('GET', `/v1/workspaces?organization_id=${ada.organization.id}`, { token: member.token })).body).toEqual({ workspaces: [] });
  });

  describe('members', () => {
    it('adds existing verified users only, lists them with details, and refuses a second add', async () => {
      const ada = await signUp({ name: 'Ada' });
      const bob = await verifiedUser();
      const unverified = await signUp();
      const orgId = ada.organization.id;
      const added = await addToOrganization(ada, orgId, bob, 'billing_admin');
      expect(added.status).toBe(201);
      expect(added.body).toEqual({ user: { id: bob.user.id, email: bob.email, name: null }, role: 'billing_admin', joined_at: expect.any(String) });
      expect((await addToOrganization(ada, orgId, bob, 'member')).status).toBe(409);
      expect((await addToOrganization(ada, orgId, unverified, 'member')).status).toBe(404);
      const list = await api('GET', `/v1/organizations/${orgId}/members`, { token: bob.token });
      expect(list.body.members.map((m: { user: { id: string }; role: string }) => [m.user.id, m.role])).toEqual([
        [ada.user.id, 'owner'],
        [bob.user.id, 'billing_admin'],
      ]);
      expect(list.body.members[0].user).toEqual({ id: ada.user.id, email: ada.email, name: 'Ada' });
    });

    it('lets only owners grant owner or admin; admins manage the other roles; members manage nobody', async () => {
      const ada = await signUp();
      const admin = await verifiedUser();
      const bob = await verifiedUser();
      const carol = await verifiedUser();
      const orgId = ada.organization.id;
      await addToOrganization(ada, orgId, admin, 'admin');
      expect((await addToOrganization(admin, orgId, bob, 'admin')).status).toBe(403);
      expect((await addToOrganization(admin, orgId, bob, 'member')).status).toBe(201);
      expect((await addToOrganization(bob, orgId, carol, 'member')).status).toBe(403);
      const path = `/v1/organizations/${orgId}/members/${bob.user.id}`;
      expect((await api('PATCH', path, { token: admin.token, body: { role: 'billing_admin' } })).body.role).toBe('billing_admin');
      expect((await api('PATCH', path, { token: admin.token, body: { role: 'owner' } })).status).toBe(403);
      expect((await api('PATCH', path, { token: ada.token, body: { role: 'owner' } })).body.role).toBe('owner');
      expect((await api('PATCH', `/v1/organizations/${orgId}/members/${ada.user.id}`, { token: admin.token, body: { role: 'member' } })).status).toBe(403);
    });

    it('never removes, demotes or lets leave the last owner', async () => {
      const ada = await signUp();
      const bob = await verifiedUser();
      const orgId = ada.organization.id;
      const self = `/v1/organizations/${orgId}/members/${ada.user.id}`;
      const demote = await api('PATCH', self, { token: ada.token, body: { role: 'admin' } });
      expect(demote.status).toBe(409);
      expect(demote.body.error.details).toEqual({ reason: 'last_owner' });
      expect((await api('DELETE', self, { token: ada.token })).status).toBe(409);
      await addToOrganization(ada, orgId, bob, 'owner');
      expect((await api('DELETE', self, { token: ada.token })).status).toBe(204);
      expect((await api('GET', `/v1/organizations/${orgId}/access`, { token: ada.token })).status).toBe(404);
      expect((await api('DELETE', `/v1/organizations/${orgId}/members/${bob.user.id}`, { token: bob.token })).status).toBe(409);
    });

    it('removes a member (owner or admin) and answers a malformed or unknown member with 404', async () => {
      const ada = await signUp();
      const bob = await verifiedUser();
      const orgId = ada.organization.id;
      await addToOrganization(ada, orgId, bob, 'member');
      expect((await api('DELETE', `/v1/organizations/${orgId}/members/${bob.user.id}`, { token: ada.token })).status).toBe(204);
      expect((await api('GET', `/v1/organizations/${orgId}/access`, { token: bob.token })).status).toBe(404);
      for (const id of ['nope', bob.user.id]) {
        expect((await api('DELETE', `/v1/organizations/${orgId}/members/${id}`, { token: ada.token })).status).toBe(404);
        expect((await api('PATCH', `/v1/organizations/${orgId}/members/${id}`, { token: ada.token, body: { role: 'member' } })).status).toBe(404);
      }
    });
  });

  it('renames for owners only (2–80), and the workspaces show the new name', async () => {
    const ada = await signUp();
    const admin = await verifiedUser();
    await addToOrganization(ada, ada.organization.id, admin, 'admin');
    const path = `/v1/organizations/${ada.organization.id}`;
    expect((await api('PATCH', path, { token: admin.token, body: { name: 'Admins rule' } })).status).toBe(403);
    expect((await api('PATCH', path, { token: ada.token, body: { name: 'x' } })).status).toBe(400);
    expect((await api('PATCH', path, { token: ada.token, body: { name: 'x'.repeat(81) } })).status).toBe(400);
    const renamed = await api('PATCH', path, { token: ada.token, body: { name: 'x'.repeat(80) } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('x'.repeat(80));
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: ada.token })).body.organization_name).toBe('x'.repeat(80));
    const stranger = await signUp();
    expect((await api('PATCH', path, { token: stranger.token, body: { name: 'Mine' } })).status).toBe(404);
  });

  it('deletes only an organization without workspaces, for its owner, releasing the slug', async () => {
    const ada = await signUp();
    expect((await api('DELETE', `/v1/organizations/${ada.organization.id}`, { token: ada.token })).status).toBe(409);
    const slug = uniqueSlug('gone');
    const empty = await api('POST', '/v1/organizations', { token: ada.token, body: { name: 'Empty', slug } });
    const admin = await verifiedUser();
    await addToOrganization(ada, empty.body.id, admin, 'admin');
    expect((await api('DELETE', `/v1/organizations/${empty.body.id}`, { token: admin.token })).status).toBe(403);
    expect((await api('DELETE', `/v1/organizations/${empty.body.id}`, { token: ada.token })).status).toBe(204);
    expect((await api('GET', `/v1/organizations/${empty.body.id}/access`, { token: ada.token })).status).toBe(404);
    expect((await api('DELETE', `/v1/organizations/${empty.body.id}`, { token: ada.token })).status).toBe(404);
    expect((await api('POST', '/v1/organizations', { token: ada.token, body: { name: 'Reborn', slug } })).status).toBe(201);
  });

  it('is for sessions, not API keys', async () => {
    const ada = await signUp();
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['workspace:admin', 'memory:read']);
    expect((await api('GET', '/v1/organizations', { token: key.key })).status).toBe(403);
    expect((await api('POST', '/v1/organizations', { token: key.key, body: { name: 'By key' } })).status).toBe(403);
  });
});
