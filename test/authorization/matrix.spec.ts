import { ROUTE_ACCESS, SCOPES, type RouteAccess, type Scope } from '@mnemo/contracts';
import { api, mintKey, signUp, type TestUser } from '@mnemo/testing';

/**
 * The authorization matrix: every route that takes an id, called by someone from another workspace or with a
 * weaker credential, answers 403/404 and no data. Later issues add their routes to ROUTE_ACCESS and their
 * sample bodies and ids to SAMPLES; the test derives the rest from the access table itself.
 */
interface Fixture {
  owner: TestUser;
  keyId: string;
}

/** How to fill each route's path parameters and body for a call. */
const SAMPLES: Record<string, { body?: unknown }> = {
  'POST /v1/workspaces/:id/api-keys': { body: { name: 'intruder', scopes: ['memory:read'] } },
  'PATCH /v1/workspaces/:id/api-keys/:keyId': { body: { enabled: false } },
  'PATCH /v1/workspaces/:id': { body: { name: 'Intruded' } },
  'DELETE /v1/workspaces/:id': { body: { confirm_slug: 'intruded' } },
  'PATCH /v1/workspaces/:id/organization': { body: { name: 'Intruded' } },
  'POST /v1/workspaces/:id/members': { body: { email: 'intruder@example.com' } },
  'PATCH /v1/workspaces/:id/members/:userId': { body: { role: 'owner' } },
  'POST /v1/workspaces/:id/join-code': { body: {} },
  'PUT /v1/workspaces/:id/providers': { body: { providers: ['openai', 'cohere'] } },
  'PUT /v1/workspaces/:id/subscription': { body: { plan_name: 'pro', billing_cycle: 'monthly' } },
  'POST /v1/workspaces/:id/icon-upload-url': { body: {} },
  'POST /v1/auth/invitations': { body: { email: 'intruder@example.com', role: 'admin' } },
  'POST /v1/memories': { body: { observation: 'intruder' } },
  'POST /v1/memories/batch': { body: { memories: [{ observation: 'intruder' }] } },
  'PATCH /v1/memories/:uuid': { body: { importance: 1 } },
  'POST /v1/memories/search': { body: { q: 'matrix' } },
  'POST /v1/context': { body: { q: 'matrix' } },
  'POST /v1/context-spaces': { body: { name: 'intruder' } },
  'PUT /v1/context-spaces/:space_id': { body: { name: 'intruded' } },
  'POST /v1/import': { body: { type: 'memory' } },
  'PATCH /v1/organizations/:id': { body: { name: 'Intruded' } },
  'POST /v1/organizations/:id/members': { body: { email: 'intruder@example.com', role: 'member' } },
  'PATCH /v1/organizations/:id/members/:userId': { body: { role: 'member' } },
};

/** A memory and a context space of the owner's workspace, for the memory routes' `:uuid` and `:space_id` (made in beforeAll). */
const ownerMemory = { uuid: '', spaceId: '' };

function fill(pattern: string, fixture: Fixture): string {
  return pattern.replace(':id', String(fixture.owner.workspace.workspace_id)).replace(':keyId', fixture.keyId).replace(':uuid', ownerMemory.uuid).replace(':space_id', ownerMemory.spaceId);
}

/**
 * Workspace-implicit routes (`/v1/memories…`) name no workspace in the path: a session names it with the
 * Mnemo-Workspace header, and a key of another workspace can only reach the owner's data through an id.
 */
const implicitWorkspace = (route: string, fixture: Fixture) =>
  ROUTE_ACCESS[route]?.auth === 'workspace' && (ROUTE_ACCESS[route] as { workspace: string }).workspace === 'implicit' ? { workspace: fixture.owner.workspace.workspace_id } : {};
const reachesForeignData = ([route, rule]: [string, Extract<RouteAccess, { auth: 'workspace' }>]) => rule.workspace === 'path' || route.includes('/:');

const workspaceRoutes = Object.entries(ROUTE_ACCESS).filter(
  (entry): entry is [string, Extract<RouteAccess, { auth: 'workspace' }>] => entry[1].auth === 'workspace',
);

describe('authorization matrix', () => {
  let fixture: Fixture;
  let stranger: TestUser;
  let strangerKey: string;

  beforeAll(async () => {
    const owner = await signUp();
    const key = await mintKey(owner.token, owner.workspace.workspace_id, ['memory:read']);
    fixture = { owner, keyId: key.id };
    const memory = await api('POST', '/v1/memories', { token: owner.token, workspace: owner.workspace.workspace_id, body: { observation: 'the owner’s matrix memory' } });
    ownerMemory.uuid = memory.body.uuid;
    const space = await api('POST', '/v1/context-spaces', { token: owner.token, workspace: owner.workspace.workspace_id, body: { name: 'the owner’s matrix space' } });
    ownerMemory.spaceId = space.body.space_id;
    stranger = await signUp();
    strangerKey = (await mintKey(stranger.token, stranger.workspace.workspace_id, [...SCOPES])).key;
  });

  it('covers every workspace route with a sample', () => {
    for (const [route] of workspaceRoutes) {
      const [method] = route.split(' ');
      if (['POST', 'PATCH', 'PUT'].includes(method) && !route.endsWith('/rotate')) expect([route, SAMPLES[route]?.body]).toEqual([route, expect.anything()]);
    }
  });

  it.each(workspaceRoutes.map(([route]) => [route]))('%s: a session of another workspace gets 404 and no data', async (route) => {
    const [method, pattern] = route.split(' ');
    const response = await api(method, fill(pattern, fixture), { token: stranger.token, body: SAMPLES[route]?.body, ...implicitWorkspace(route, fixture) });
    expect(response.status).toBe(404);
    expect(Object.keys(response.body)).toEqual(['error']);
  });

  it.each(workspaceRoutes.filter(reachesForeignData).map(([route]) => [route]))('%s: a key of another workspace, with every scope, gets 404 and no data', async (route) => {
    const [method, pattern] = route.split(' ');
    const response = await api(method, fill(pattern, fixture), { token: strangerKey, body: SAMPLES[route]?.body });
    expect(response.status).toBe(404);
    expect(Object.keys(response.body)).toEqual(['error']);
  });

  it.each(workspaceRoutes.map(([route, rule]) => [route, rule.scope]))('%s: a key of the workspace without %s gets 403', async (route, scope) => {
    const [method, pattern] = route.split(' ');
    const weaker = SCOPES.filter((s) => s !== scope) as Scope[];
    const key = await mintKey(fixture.owner.token, fixture.owner.workspace.workspace_id, weaker);
    const response = await api(method, fill(pattern, fixture), { token: key.key, body: SAMPLES[route]?.body });
    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({ code: 'FORBIDDEN', details: { required_scope: scope } });
    await api('DELETE', `/v1/workspaces/${fixture.owner.workspace.workspace_id}/api-keys/${key.id}`, { token: fixture.owner.token });
  });

  // Routes open to any user where the service decides on the path's workspace (the subscription, which an
  // organization's billing_admin reaches without a membership): outsiders get the same 404 and no data.
  const userRoutesNamingAWorkspace = Object.entries(ROUTE_ACCESS).filter(([route, rule]) => rule.auth === 'user' && route.includes('/v1/workspaces/:id'));
  it.each(userRoutesNamingAWorkspace.map(([route]) => [route]))('%s: a session or a key of another workspace gets 404 and no data', async (route) => {
    const [method, pattern] = route.split(' ');
    for (const token of [stranger.token, strangerKey]) {
      const response = await api(method, fill(pattern, fixture), { token, body: SAMPLES[route]?.body });
      expect(response.status).toBe(404);
      expect(Object.keys(response.body)).toEqual(['error']);
    }
  });

  // Organization routes (session only): a stranger's session learns nothing and changes nothing; any API key,
  // even one of the organization's own workspace with every scope, is refused by the gateway.
  const organizationRoutes = Object.entries(ROUTE_ACCESS).filter(([route, rule]) => rule.auth === 'user' && route.includes('/v1/organizations/:id'));
  const fillOrganization = (pattern: string) =>
    pattern.replace(':id', fixture.owner.organization.id).replace(':userId', fixture.owner.user.id);
  const organizationAsSeen = async () => {
    const mine = (await api('GET', '/v1/organizations', { token: fixture.owner.token })).body.organizations;
    const members = (await api('GET', `/v1/organizations/${fixture.owner.organization.id}/members`, { token: fixture.owner.token })).body;
    return { mine, members };
  };

  it('covers every organization route and every one with a body has a sample', () => {
    expect(organizationRoutes.length).toBeGreaterThanOrEqual(7);
    for (const [route] of organizationRoutes) {
      const [method] = route.split(' ');
      if (['POST', 'PATCH', 'PUT'].includes(method)) expect([route, SAMPLES[route]?.body]).toEqual([route, expect.anything()]);
    }
  });

  it.each(organizationRoutes.map(([route]) => [route]))('%s: a session of a stranger gets 404 with only an error, the organization unchanged', async (route) => {
    const [method, pattern] = route.split(' ');
    const before = await organizationAsSeen();
    const response = await api(method, fillOrganization(pattern), { token: stranger.token, body: SAMPLES[route]?.body });
    expect(response.status).toBe(404);
    expect(Object.keys(response.body)).toEqual(['error']);
    expect(await organizationAsSeen()).toEqual(before);
  });

  it.each(organizationRoutes.map(([route]) => [route]))('%s: an API key (of the organization\'s own workspace, every scope) gets 403', async (route) => {
    const [method, pattern] = route.split(' ');
    const ownKey = await mintKey(fixture.owner.token, fixture.owner.workspace.workspace_id, [...SCOPES]);
    const before = await organizationAsSeen();
    for (const token of [ownKey.key, strangerKey]) {
      const response = await api(method, fillOrganization(pattern), { token, body: SAMPLES[route]?.body });
      expect(response.status).toBe(403);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(response.body.error.code).toBe('FORBIDDEN');
    }
    expect(await organizationAsSeen()).toEqual(before);
    await api('DELETE', `/v1/workspaces/${fixture.owner.workspace.workspace_id}/api-keys/${ownKey.id}`, { token: fixture.owner.token });
  });

  it('refuses a malformed or unknown workspace id with 404', async () => {
    for (const id of ['abc', '0', '-1', '99999999999999']) {
      expect((await api('GET', `/v1/workspaces/${id}`, { token: fixture.owner.token })).status).toBe(404);
    }
  });

  it('classifies every route the gateway serves', async () => {
    const document = (await api('GET', '/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        const pattern = path.replace(/\{(\w+)\}/g, ':$1');
        expect([`${method.toUpperCase()} ${pattern}`, ROUTE_ACCESS[`${method.toUpperCase()} ${pattern}`] !== undefined]).toEqual([
          `${method.toUpperCase()} ${pattern}`,
          true,
        ]);
      }
    }
  });
});
