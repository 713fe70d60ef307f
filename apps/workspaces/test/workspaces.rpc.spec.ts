import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import {
  NatsNames,
  SLUG_PATTERN,
  WORKSPACES_RPC,
  type CreatePersonalWorkspaceReply,
  type EventEnvelope,
  type GetAccessReply,
  type GetWorkspaceStandingReply,
  type ListUserWorkspacesReply,
  type RpcReply,
  type WorkspaceResource,
} from '@mnemo/contracts';
import { connectTestRpc, eventually, testStack, TEST_DATABASE_URL, type TestRpc } from '@mnemo/testing';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('workspaces service over NATS (the running stack)', () => {
  let rpc: TestRpc;

  beforeAll(async () => {
    rpc = await connectTestRpc();
  });

  afterAll(async () => {
    await rpc?.close();
  });

  const call = <T>(operation: keyof typeof WORKSPACES_RPC, payload: unknown): Promise<RpcReply<T>> => rpc.call<T>('workspaces', WORKSPACES_RPC[operation], payload);

  const succeed = <T>(operation: keyof typeof WORKSPACES_RPC, payload: unknown): Promise<T> => rpc.succeed<T>('workspaces', WORKSPACES_RPC[operation], payload);


  /** A new user: every test makes its own, so tests never see each other's workspaces. */
  const newUser = (local = `user${randomBytes(4).toString('hex')}`) => ({ user_id: uuidv7(), email: `${local}@example.com` });

  const signUp = (user: { user_id: string; email: string }, name?: string) =>
    succeed<CreatePersonalWorkspaceReply>('createPersonalWorkspace', name === undefined ? user : { ...user, name });

  it('creates the personal organization and workspace, answered as the API shows them', async () => {
    const ada = newUser();
    const reply = await signUp(ada, 'Ada');
    const { workspace, organization } = reply;
    expect(reply.is_first_workspace).toBe(true);
    expect(Object.keys(workspace).sort()).toEqual(
      [
        'workspace_id', 'organization_id', 'organization_name', 'organization_slug', 'name', 'slug', 'domain', 'icon_url', 'status',
        'plan_name', 'billing_cycle', 'enabled_providers', 'created_at',
      ].sort(),
    );
    expect(Number.isSafeInteger(workspace.workspace_id) && workspace.workspace_id > 0).toBe(true);
    expect(workspace).toMatchObject({
      organization_id: organization.id,
      organization_name: "Ada's workspace",
      organization_slug: organization.slug,
      name: "Ada's workspace",
      domain: null,
      icon_url: null,
      status: 'active',
      plan_name: 'free',
      billing_cycle: 'monthly',
      enabled_providers: ['openai'],
    });
    // Other tests sign up "Ada"s too: the base slug or the base with a random suffix.
    expect(workspace.slug).toMatch(/^adas-workspace(-[a-z0-9]{6})?$/);
    expect(organization.slug).toMatch(/^adas-workspace(-[a-z0-9]{6})?$/);
    expect(workspace.created_at).toMatch(ISO_UTC);
    // The user owns the organization, so it shows its WorkOS id (none).
    expect(organization).toEqual({
      id: expect.stringMatching(UUID_V7),
      name: "Ada's workspace",
      slug: organization.slug,
      created_at: expect.stringMatching(ISO_UTC),
      workos_organization_id: null,
    });
  });

  it('names the workspace after the email when the user gave no name', async () => {
    const user = newUser(`grace.hopper.${randomBytes(3).toString('hex')}`);
    const { workspace } = await signUp(user);
    const local = user.email.split('@')[0];
    expect(workspace.name).toBe(`${local}'s workspace`);
    expect(workspace.slug).toBe(`${local.replace(/\./g, '-')}s-workspace`);
  });

  it('answers a repeated call with the same workspace and organization', async () => {
    const user = newUser();
    const first = await signUp(user, 'Repeat');
    const second = await signUp(user, 'Another name entirely');
    expect(second).toEqual(first);
  });

  it('creates exactly one workspace for 10 concurrent calls of one user', async () => {
    const user = newUser();
    const replies = await Promise.all(Array.from({ length: 10 }, () => call<CreatePersonalWorkspaceReply>('createPersonalWorkspace', user)));
    const workspaceIds = new Set(replies.map((reply) => (reply.ok ? reply.data.workspace.workspace_id : JSON.stringify(reply.error))));
    const organizationIds = new Set(replies.map((reply) => (reply.ok ? reply.data.organization.id : JSON.stringify(reply.error))));
    expect(workspaceIds.size).toBe(1);
    expect(organizationIds.size).toBe(1);
    expect(replies.every((reply) => reply.ok)).toBe(true);
    const { workspaces } = await succeed<ListUserWorkspacesReply>('listUserWorkspaces', { user_id: user.user_id });
    expect(workspaces.map((w) => w.workspace_id)).toEqual([...workspaceIds]);
  });

  it('gives users with the same name different slugs, even when they sign up at once', async () => {
    const name = `Twin ${randomBytes(3).toString('hex')}`;
    const base = `twin-${name.slice(5)}s-workspace`;
    const replies = await Promise.all(Array.from({ length: 5 }, () => signUp(newUser(), name)));
    const workspaceSlugs = replies.map((reply) => reply.workspace.slug);
    const organizationSlugs = replies.map((reply) => reply.organization.slug);
    for (const slugs of [workspaceSlugs, organizationSlugs]) {
      expect(new Set(slugs).size).toBe(5);
      expect(slugs).toContain(base);
      for (const slug of slugs) {
        expect(slug).toMatch(SLUG_PATTERN);
        expect(slug).toMatch(/^[a-z0-9-]{2,50}$/);
        expect(slug.startsWith(base)).toBe(true);
      }
    }
    expect(replies.every((reply) => reply.workspace.name === `${name}'s workspace`)).toBe(true);
  });

  it('keeps slugs within 50 characters for long names', async () => {
    const { workspace, organization } = await signUp(newUser(), `Hubert ${'Blaine '.repeat(12)}${randomBytes(3).toString('hex')}`);
    expect(Array.from(workspace.name).length).toBeLessThanOrEqual(50);
    expect(workspace.slug).toMatch(SLUG_PATTERN);
    expect(organization.slug).toMatch(SLUG_PATTERN);
  });

  describe('access', () => {
    it("answers the owner's role, the workspace's status and plan", async () => {
      const owner = newUser();
      const { workspace } = await signUp(owner, 'Owner');
      const access = await succeed<GetAccessReply>('getAccess', { workspace_id: workspace.workspace_id, user_id: owner.user_id });
      expect(access).toEqual({
        workspace_id: workspace.workspace_id,
        organization_id: workspace.organization_id,
        role: 'owner',
        via: 'membership',
        status: 'active',
        plan_name: 'free',
      });
      expect(await succeed<WorkspaceResource>('getWorkspace', { workspace_id: workspace.workspace_id, user_id: owner.user_id })).toEqual(workspace);
    });

    it('answers a workspace without a user check to callers that checked access themselves, and its standing', async () => {
      const { workspace } = await signUp(newUser(), 'Standing');
      expect(await succeed<WorkspaceResource>('getWorkspace', { workspace_id: workspace.workspace_id })).toEqual(workspace);
      expect(await succeed<GetWorkspaceStandingReply>('getWorkspaceStanding', { workspace_id: workspace.workspace_id })).toEqual({
        workspace_id: workspace.workspace_id,
        organization_id: workspace.organization_id,
        name: "Standing's workspace",
        slug: workspace.slug,
        status: 'active',
        plan_name: 'free',
        billing_cycle: 'monthly',
        // The first usage period starts with the workspace, monthly.
        period_start: expect.stringMatching(ISO_UTC),
        period_end: expect.stringMatching(ISO_UTC),
      });
      for (const operation of ['getWorkspace', 'getWorkspaceStanding'] as const) {
        expect(await call(operation, { workspace_id: 2_147_483_647 })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'workspace not found' } });
      }
    });

    it('answers NOT_FOUND alike for a stranger and for a workspace that does not exist', async () => {
      const { workspace } = await signUp(newUser(), 'Private');
      const stranger = newUser();
      await signUp(stranger, 'Stranger');
      const replies = await Promise.all([
        call('getAccess', { workspace_id: workspace.workspace_id, user_id: stranger.user_id }),
        call('getAccess', { workspace_id: 2_147_483_647, user_id: stranger.user_id }),
        call('getWorkspace', { workspace_id: workspace.workspace_id, user_id: stranger.user_id }),
        call('getWorkspace', { workspace_id: 2_147_483_647, user_id: stranger.user_id }),
      ]);
      for (const reply of replies) expect(reply).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'workspace not found' } });
    });

    it("lists a user's workspaces by id, with an org owner/admin reaching every workspace of the org as admin", async () => {
      const alice = newUser();
      const bob = newUser();
      const { workspace: alicesWorkspace } = await signUp(alice, 'Alice');
      const { workspace: bobsWorkspace } = await signUp(bob, 'Bob');
      expect(await succeed<ListUserWorkspacesReply>('listUserWorkspaces', { user_id: bob.user_id })).toEqual({
        workspaces: [
          { workspace_id: bobsWorkspace.workspace_id, name: "Bob's workspace", slug: bobsWorkspace.slug, role: 'owner', organization_id: bobsWorkspace.organization_id, status: 'active' },
        ],
      });
      // addOrganizationMember needs an identity user with a verified email; these users exist only here, so the
      // read-model row stands in for the membership (test/workspaces/organizations.spec.ts covers the real path).
      await asDatabaseAdmin((db) =>
        db.query(`INSERT INTO workspaces.organization_members (organization_id, user_id, role, joined_at) VALUES ($1, $2, 'admin', now())`, [
          alicesWorkspace.organization_id,
          bob.user_id,
        ]),
      );
      const { workspaces } = await succeed<ListUserWorkspacesReply>('listUserWorkspaces', { user_id: bob.user_id });
      expect(workspaces.map((w) => [w.workspace_id, w.role])).toEqual([
        [alicesWorkspace.workspace_id, 'admin'],
        [bobsWorkspace.workspace_id, 'owner'],
      ]);
      expect(await succeed<GetAccessReply>('getAccess', { workspace_id: alicesWorkspace.workspace_id, user_id: bob.user_id })).toMatchObject({
        role: 'admin',
        via: 'organization',
      });
      expect(await succeed<WorkspaceResource>('getWorkspace', { workspace_id: alicesWorkspace.workspace_id, user_id: bob.user_id })).toEqual(alicesWorkspace);
    });

    it('lists nothing for a user without workspaces', async () => {
      expect(await succeed<ListUserWorkspacesReply>('listUserWorkspaces', { user_id: uuidv7() })).toEqual({ workspaces: [] });
    });
  });

  it.each([
    ['createPersonalWorkspace', 'a body that is not an object', [], 'body'],
    ['createPersonalWorkspace', 'a user_id that is not a UUID', { user_id: 'ada', email: 'ada@example.com' }, 'user_id'],
    ['createPersonalWorkspace', 'a missing email', { user_id: uuidv7() }, 'email'],
    ['createPersonalWorkspace', 'an email without a domain', { user_id: uuidv7(), email: 'ada@' }, 'email'],
    ['createPersonalWorkspace', 'an email with spaces', { user_id: uuidv7(), email: 'ada lovelace@example.com' }, 'email'],
    ['createPersonalWorkspace', 'a name that is not a string', { user_id: uuidv7(), email: 'ada@example.com', name: 42 }, 'name'],
    ['createPersonalWorkspace', 'a name over 100 characters', { user_id: uuidv7(), email: 'ada@example.com', name: 'x'.repeat(101) }, 'name'],
    ['getAccess', 'a workspace_id of 0', { workspace_id: 0, user_id: uuidv7() }, 'workspace_id'],
    ['getAccess', 'a fractional workspace_id', { workspace_id: 1.5, user_id: uuidv7() }, 'workspace_id'],
    ['getAccess', 'a workspace_id as a string', { workspace_id: '1', user_id: uuidv7() }, 'workspace_id'],
    ['getAccess', 'a user_id that is not a UUID', { workspace_id: 1, user_id: '42' }, 'user_id'],
    ['getWorkspace', 'a negative workspace_id', { workspace_id: -3, user_id: uuidv7() }, 'workspace_id'],
    ['getWorkspace', 'a workspace_id past the integer range', { workspace_id: 2 ** 31, user_id: uuidv7() }, 'workspace_id'],
    ['getWorkspace', 'a user_id that is not a UUID', { workspace_id: 1, user_id: 'ada' }, 'user_id'],
    ['getWorkspaceStanding', 'a missing workspace_id', {}, 'workspace_id'],
    ['listUserWorkspaces', 'a missing user_id', {}, 'user_id'],
  ] as const)('%s refuses %s with VALIDATION_ERROR', async (operation, _, payload, field) => {
    const reply = await call(operation, payload);
    expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', details: { field } } });
  });

  it('publishes the creation events on the workspaces stream, each with its owner id and without the join code', async () => {
    const user = newUser();
    const { workspace, organization } = await signUp(user, 'Published');
    const names = new NatsNames(testStack().natsPrefix);
    const stream = names.eventStream('workspaces').name;
    const ours = (envelope: EventEnvelope) => envelope.organizationId === organization.id || envelope.workspaceId === String(workspace.workspace_id);
    const published = await eventually(
      async () => {
        const consumer = await jetstream(rpc.nc).consumers.get(stream, { filter_subjects: names.event('workspaces', '*', '*') });
        const found: { subject: string; msgId: string | undefined; envelope: EventEnvelope }[] = [];
        for (;;) {
          const message = await consumer.next({ expires: 2000 });
          if (!message) break;
          const envelope = message.json<EventEnvelope>();
          if (ours(envelope)) found.push({ subject: message.subject, msgId: message.headers?.get('Nats-Msg-Id'), envelope });
          if (message.info.pending === 0) break;
        }
        await consumer.delete().catch(() => undefined);
        return found.length >= 5 ? found : undefined;
      },
      15_000,
      'the five creation events on JetStream',
    );
    expect(published.map((p) => p.subject)).toEqual([
      names.event('workspaces', 'organization', 'created'),
      names.event('workspaces', 'organization', 'member_added'),
      names.event('workspaces', 'workspace', 'created'),
      names.event('workspaces', 'workspace', 'period_started'),
      names.event('workspaces', 'membership', 'granted'),
    ]);
    for (const { msgId, envelope } of published) {
      expect(msgId).toBe(envelope.id);
      expect(envelope.id).toMatch(UUID_V7);
      expect(envelope.actor).toBe(`user:${user.user_id}`);
    }
    const [orgCreated, ownerAdded, workspaceCreated, periodStarted, membershipGranted] = published.map((p) => p.envelope);
    for (const envelope of [orgCreated, ownerAdded]) {
      expect(envelope).toMatchObject({ organizationId: organization.id, streamId: `organization-${organization.id}` });
      expect(envelope.workspaceId).toBeUndefined();
    }
    expect(orgCreated.data).toEqual({ organization_id: organization.id, name: "Published's workspace", slug: organization.slug, created_by: user.user_id });
    expect(ownerAdded.data).toEqual({ organization_id: organization.id, user_id: user.user_id, role: 'owner' });
    for (const envelope of [workspaceCreated, membershipGranted]) {
      expect(envelope.workspaceId).toBe(String(workspace.workspace_id));
      expect(envelope.organizationId).toBeUndefined();
    }
    expect(workspaceCreated).toMatchObject({ streamId: `workspace-${workspace.workspace_id}`, streamVersion: 1 });
    expect(workspaceCreated.data).toMatchObject({
      workspace_id: workspace.workspace_id,
      organization_id: organization.id,
      slug: workspace.slug,
      status: 'active',
      plan_name: 'free',
      personal: true,
      join_code_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(periodStarted).toMatchObject({ streamId: `workspace-${workspace.workspace_id}`, streamVersion: 2, workspaceId: String(workspace.workspace_id) });
    expect(periodStarted.data).toEqual({ workspace_id: workspace.workspace_id, period_start: expect.stringMatching(ISO_UTC), period_end: expect.stringMatching(ISO_UTC) });
    expect(membershipGranted).toMatchObject({
      streamId: `membership-${workspace.workspace_id}-${user.user_id}`,
      data: { workspace_id: workspace.workspace_id, user_id: user.user_id, role: 'owner', via: 'workspace_creation' },
    });
    // The join code itself stays in the service: only its digest travels.
    const code = await asDatabaseAdmin(async (db) => {
      const { rows } = await db.query<{ code: string }>('SELECT code FROM workspaces.workspace_join_codes WHERE workspace_id = $1', [workspace.workspace_id]);
      return rows[0]?.code;
    });
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{20}$/);
    expect(JSON.stringify(published)).not.toContain(code);
  });
});

/** The stack's database as the superuser: for facts no RPC exposes yet. */
async function asDatabaseAdmin<T>(work: (db: Client) => Promise<T>): Promise<T> {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${testStack().databaseName}`;
  const db = new Client({ connectionString: url.toString() });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
