import { api, mintKey, signUp, type TestUser } from '@mnemo/testing';
import { addByInvitation, uniqueName, uniqueSlug, verifiedUser } from './helpers';

/**
 * Creating without organization_id is limited to 3 requests per hour per user (invalid ones count), so each
 * test here makes at most 3 such requests per user; limits are probed through creates in an organization.
 */
const create = (user: TestUser, body: Record<string, unknown>) => api('POST', '/v1/workspaces', { token: user.token, body });
const createInOrg = (user: TestUser, body: Record<string, unknown>) => create(user, { organization_id: user.organization.id, ...body });

describe('workspaces', () => {
  describe('POST /v1/workspaces (workspace-api create, createInOrg)', () => {
    it('creates a workspace in a new organization named after it, owned by the caller', async () => {
      const ada = await signUp();
      const name = uniqueName('Lab');
      const response = await create(ada, { name, domain: 'lab.example.com' });
      expect(response.status).toBe(201);
      const { workspace, organization, is_first_workspace } = response.body;
      expect(is_first_workspace).toBe(false);
      expect(organization).toEqual({ id: expect.any(String), name, slug: expect.any(String), created_at: expect.any(String), workos_organization_id: null });
      expect(organization.id).not.toBe(ada.organization.id);
      expect(workspace).toMatchObject({
        organization_id: organization.id,
        organization_name: name,
        name,
        slug: name.toLowerCase().replace(' ', '-'),
        domain: 'lab.example.com',
        status: 'active',
        plan_name: 'free',
        billing_cycle: 'monthly',
        enabled_providers: ['openai'],
        icon_url: null,
      });
      expect((await api('GET', `/v1/workspaces/${workspace.workspace_id}`, { token: ada.token })).body).toEqual(workspace);
      const members = await api('GET', `/v1/workspaces/${workspace.workspace_id}/members`, { token: ada.token });
      expect(members.body.members).toEqual([expect.objectContaining({ role: 'owner', user: expect.objectContaining({ id: ada.user.id }) })]);
      const access = await api('GET', `/v1/organizations/${organization.id}/access`, { token: ada.token });
      expect(access.body).toEqual({ role: 'owner', is_admin: true, can_manage_billing: true });
    });

    it('names the new organization organization_name, and takes a chosen slug', async () => {
      const ada = await signUp();
      const slug = uniqueSlug();
      const response = await create(ada, { name: uniqueName(), slug, organization_name: 'Analytical Engines' });
      expect(response.status).toBe(201);
      expect(response.body.workspace.slug).toBe(slug);
      expect(response.body.organization.name).toBe('Analytical Engines');
      // A chosen slug that is taken is the caller's conflict, not silently changed.
      const taken = await createInOrg(ada, { name: uniqueName(), slug });
      expect(taken.status).toBe(409);
      expect(taken.body.error.details).toMatchObject({ field: 'slug' });
    });

    it('answers is_first_workspace: true for a user without any membership', async () => {
      const ada = await verifiedUser();
      const bob = await signUp();
      // Bob hands his only workspace to Ada and leaves it: he is in no workspace any more.
      expect((await api('POST', `/v1/workspaces/${bob.workspace.workspace_id}/members`, { token: bob.token, body: { email: ada.email, role: 'owner' } })).status).toBe(201);
      expect((await api('DELETE', `/v1/workspaces/${bob.workspace.workspace_id}/members/me`, { token: bob.token })).status).toBe(204);
      const response = await create(bob, { name: uniqueName() });
      expect(response.status).toBe(201);
      expect(response.body.is_first_workspace).toBe(true);
    });

    it('keeps the name within 2–50 characters', async () => {
      const ada = await signUp();
      for (const [name, status] of [
        ['ab', 201],
        [`${'x'.repeat(42)}${Math.random().toString(36).slice(2, 10)}`, 201],
        ['a', 400],
        ['x'.repeat(51), 400],
      ] as const) {
        const response = await createInOrg(ada, { name });
        expect([name.length, response.status]).toEqual([name.length, status]);
      }
    });

    it('keeps a chosen slug within 2–50 characters of [a-z0-9-]', async () => {
      const ada = await signUp();
      const base = uniqueSlug('s');
      for (const [slug, status] of [
        [`${base}-${'y'.repeat(50 - base.length - 1)}`, 201],
        [`${base}-${'y'.repeat(51 - base.length - 1)}`, 400],
        ['Upper-Case', 400],
        ['trailing-', 400],
        ['a', 400],
      ] as const) {
        expect([slug, (await createInOrg(ada, { name: uniqueName(), slug })).status]).toEqual([slug, status]);
      }
    });

    it('keeps the domain within 2–50 characters in a new organization, 2–256 in an existing one', async () => {
      const ada = await signUp();
      expect((await create(ada, { name: uniqueName(), domain: 'd'.repeat(50) })).status).toBe(201);
      const tooLong = await create(ada, { name: uniqueName(), domain: 'd'.repeat(51) });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.error.details).toMatchObject({ field: 'domain' });
      expect((await createInOrg(ada, { name: uniqueName(), domain: 'd'.repeat(256) })).status).toBe(201);
      expect((await createInOrg(ada, { name: uniqueName(), domain: 'd'.repeat(257) })).status).toBe(400);
      expect((await createInOrg(ada, { name: uniqueName(), domain: 'd' })).status).toBe(400);
    });

    it('keeps organization_name within 2–80 characters, and refuses it with organization_id', async () => {
      const ada = await signUp();
      expect((await create(ada, { name: uniqueName(), organization_name: 'o'.repeat(80) })).status).toBe(201);
      expect((await create(ada, { name: uniqueName(), organization_name: 'o'.repeat(81) })).status).toBe(400);
      expect((await createInOrg(ada, { name: uniqueName(), organization_name: 'Another' })).status).toBe(400);
    });

    it('admits the lower edges: a 2-character slug and domain and organization name; refuses 1', async () => {
      const ada = await signUp();
      // A random 2-character slug may already be someone's: a 409 proves the length was admitted, so draw again.
      let twoCharacters: { status: number; body: any } | undefined;
      for (let attempt = 0; attempt < 10 && (!twoCharacters || twoCharacters.status === 409); attempt++) {
        const slug = uniqueSlug('x').slice(-2).replace(/^-/, 'z');
        twoCharacters = await createInOrg(ada, { name: uniqueName(), slug });
        if (twoCharacters.status === 201) expect(twoCharacters.body.workspace.slug).toBe(slug);
      }
      expect(twoCharacters!.status).toBe(201);
      // Workspace-api create (a new organization), at most 3 per user: the domain and organization name edges.
      const bob = await signUp();
      const oneCharacterDomain = await create(bob, { name: uniqueName(), domain: 'd' });
      expect(oneCharacterDomain.status).toBe(400);
      // Refused by the gateway's DTO, which lists its problems per field.
      expect(oneCharacterDomain.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['domain']);
      const twoCharacterDomain = await create(bob, { name: uniqueName(), domain: 'dd' });
      expect(twoCharacterDomain.status).toBe(201);
      expect(twoCharacterDomain.body.workspace.domain).toBe('dd');
      const oneCharacterOrganization = await create(bob, { name: uniqueName(), organization_name: 'o' });
      expect(oneCharacterOrganization.status).toBe(400);
      expect(oneCharacterOrganization.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['organization_name']);
      const carl = await signUp();
      const twoCharacterOrganization = await create(carl, { name: uniqueName(), organization_name: 'oo' });
      expect(twoCharacterOrganization.status).toBe(201);
      expect(twoCharacterOrganization.body.organization.name).toBe('oo');
    });

    it('creates nothing on a refused request', async () => {
      const ada = await signUp();
      const before = (await api('GET', '/v1/workspaces', { token: ada.token })).body.workspaces.length;
      for (const body of [{ name: 'x' }, { name: uniqueName(), plan: 'team' }, { name: uniqueName(), organization_id: 'not-a-uuid' }]) {
        expect((await createInOrg(ada, body)).status).toBe(400);
      }
      expect((await api('GET', '/v1/workspaces', { token: ada.token })).body.workspaces).toHaveLength(before);
    });

    it('creates in an organization for its owners and admins only; a stranger does not see it', async () => {
      const ada = await signUp();
      const admin = await verifiedUser();
      const member = await verifiedUser();
      const stranger = await signUp();
      for (const [user, role] of [
        [admin, 'admin'],
        [member, 'member'],
      ] as const) {
        expect((await api('POST', `/v1/organizations/${ada.organization.id}/members`, { token: ada.token, body: { email: user.email, role } })).status).toBe(201);
      }
      const byAdmin = await create(admin, { name: uniqueName(), organization_id: ada.organization.id });
      expect(byAdmin.status).toBe(201);
      expect(byAdmin.body.workspace.organization_id).toBe(ada.organization.id);
      expect(byAdmin.body.organization).toMatchObject({ id: ada.organization.id, workos_organization_id: null });
      const byMember = await create(member, { name: uniqueName(), organization_id: ada.organization.id });
      expect(byMember.status).toBe(403);
      expect((await create(stranger, { name: uniqueName(), organization_id: ada.organization.id })).status).toBe(404);
      // The org owner reaches the admin's new workspace as admin; the plain member does not.
      const reached = await api('GET', `/v1/workspaces/${byAdmin.body.workspace.workspace_id}`, { token: ada.token });
      expect(reached.status).toBe(200);
      expect((await api('GET', `/v1/workspaces/${byAdmin.body.workspace.workspace_id}`, { token: member.token })).status).toBe(404);
    });

    it('is for sessions, not API keys', async () => {
      const ada = await signUp();
      const key = await mintKey(ada.token, ada.workspace.workspace_id, ['workspace:admin']);
      expect((await api('POST', '/v1/workspaces', { token: key.key, body: { name: uniqueName() } })).status).toBe(403);
      expect((await api('GET', '/v1/workspaces', { token: key.key })).status).toBe(403);
    });
  });

  describe('GET /v1/workspaces', () => {
    it('lists the workspaces the caller reaches, or one organization’s', async () => {
      const ada = await signUp();
      const second = await createInOrg(ada, { name: uniqueName() });
      const third = await create(ada, { name: uniqueName() });
      const all = await api('GET', '/v1/workspaces', { token: ada.token });
      expect(all.status).toBe(200);
      expect(all.body.workspaces.map((w: { workspace_id: number }) => w.workspace_id)).toEqual([
        ada.workspace.workspace_id,
        second.body.workspace.workspace_id,
        third.body.workspace.workspace_id,
      ]);
      const inOrg = await api('GET', `/v1/workspaces?organization_id=${ada.organization.id}`, { token: ada.token });
      expect(inOrg.body.workspaces.map((w: { workspace_id: number }) => w.workspace_id)).toEqual([ada.workspace.workspace_id, second.body.workspace.workspace_id]);
      expect(inOrg.body.workspaces[0]).toEqual(ada.workspace);
    });

    it('answers another user’s organization with 404 and a malformed id with 400', async () => {
      const ada = await signUp();
      const eve = await signUp();
      expect((await api('GET', `/v1/workspaces?organization_id=${ada.organization.id}`, { token: eve.token })).status).toBe(404);
      expect((await api('GET', '/v1/workspaces?organization_id=nope', { token: eve.token })).status).toBe(400);
    });
  });

  describe('PATCH /v1/workspaces/:id (workspace-api updateDetails)', () => {
    it('lets the owner rename (2–80) and set or clear the domain (2–256)', async () => {
      const ada = await signUp();
      const path = `/v1/workspaces/${ada.workspace.workspace_id}`;
      for (const [body, status] of [
        [{ name: 'n'.repeat(80) }, 200],
        [{ name: 'n'.repeat(81) }, 400],
        [{ name: 'Ab' }, 200],
        [{ name: 'A' }, 400],
        [{ domain: 'd'.repeat(256) }, 200],
        [{ domain: 'd'.repeat(257) }, 400],
        [{ slug: 'new-slug' }, 400],
      ] as const) {
        expect([body, (await api('PATCH', path, { token: ada.token, body })).status]).toEqual([body, status]);
      }
      const cleared = await api('PATCH', path, { token: ada.token, body: { domain: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ name: 'Ab', domain: null, slug: ada.workspace.slug });
      expect((await api('GET', path, { token: ada.token })).body).toEqual(cleared.body);
    });

    it('is owner only: an admin (or a key) gets 403 and nothing changes', async () => {
      const ada = await signUp();
      const bob = await signUp();
      await addByInvitation(ada, bob, 'admin');
      const path = `/v1/workspaces/${ada.workspace.workspace_id}`;
      const byAdmin = await api('PATCH', path, { token: bob.token, body: { name: 'Taken over' } });
      expect(byAdmin.status).toBe(403);
      expect(byAdmin.body.error).toMatchObject({ code: 'FORBIDDEN', details: { required_role: 'owner' } });
      const key = await mintKey(ada.token, ada.workspace.workspace_id, ['workspace:admin']);
      expect((await api('PATCH', path, { token: key.key, body: { name: 'Taken over' } })).status).toBe(403);
      expect((await api('GET', path, { token: ada.token })).body.name).toBe(ada.workspace.name);
    });
  });

  describe('PATCH /v1/workspaces/:id/organization (workspace-api updateOrganizationName)', () => {
    it('lets an owner of the workspace rename its organization, within 2–80 characters', async () => {
      const ada = await signUp();
      const path = `/v1/workspaces/${ada.workspace.workspace_id}/organization`;
      const renamed = await api('PATCH', path, { token: ada.token, body: { name: 'o'.repeat(80) } });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toEqual({ ...ada.organization, name: 'o'.repeat(80), workos_organization_id: null });
      expect((await api('PATCH', path, { token: ada.token, body: { name: 'o'.repeat(81) } })).status).toBe(400);
      expect((await api('PATCH', path, { token: ada.token, body: { name: 'o' } })).status).toBe(400);
      expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: ada.token })).body.organization_name).toBe('o'.repeat(80));
    });

    it('lets the owner of a workspace in someone else’s organization rename it too; refuses an admin', async () => {
      const ada = await signUp();
      const bob = await verifiedUser();
      await api('POST', `/v1/organizations/${ada.organization.id}/members`, { token: ada.token, body: { email: bob.email, role: 'admin' } });
      const created = await create(bob, { name: uniqueName(), organization_id: ada.organization.id });
      const renamed = await api('PATCH', `/v1/workspaces/${created.body.workspace.workspace_id}/organization`, { token: bob.token, body: { name: 'Renamed by Bob' } });
      expect(renamed.status).toBe(200);
      const carol = await signUp();
      await addByInvitation(ada, carol, 'admin');
      expect((await api('PATCH', `/v1/workspaces/${ada.workspace.workspace_id}/organization`, { token: carol.token, body: { name: 'Carol’s' } })).status).toBe(403);
    });
  });

  describe('providers (workspace-api get/setEnabledProviders)', () => {
    it('reads and sets at least one of the six providers; PUT answers the workspace', async () => {
      const ada = await signUp();
      const path = `/v1/workspaces/${ada.workspace.workspace_id}/providers`;
      expect((await api('GET', path, { token: ada.token })).body).toEqual({ providers: ['openai'] });
      const all = ['openai', 'anthropic', 'google', 'perplexity', 'mistral', 'cohere'];
      const set = await api('PUT', path, { token: ada.token, body: { providers: all } });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({ ...ada.workspace, enabled_providers: all });
      for (const providers of [[], ['openai', 'skynet'], ['openai', 'openai'], 'openai']) {
        expect([providers, (await api('PUT', path, { token: ada.token, body: { providers } })).status]).toEqual([providers, 400]);
      }
      expect((await api('GET', path, { token: ada.token })).body).toEqual({ providers: all });
    });

    it('lets members read but not set them', async () => {
      const ada = await signUp();
      const bob = await signUp();
      await addByInvitation(ada, bob, 'member');
      const path = `/v1/workspaces/${ada.workspace.workspace_id}/providers`;
      expect((await api('GET', path, { token: bob.token })).status).toBe(200);
      expect((await api('PUT', path, { token: bob.token, body: { providers: ['cohere'] } })).status).toBe(403);
    });
  });
});
