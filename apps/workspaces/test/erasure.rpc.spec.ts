import { Client } from 'pg';
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { WORKSPACES_RPC, type CheckAccountDeletionReply, type EraseUserReply, type JoinInvitationsForEmailReply, type RpcReply } from '@mnemo/contracts';
import { api, connectTestRpc, signUp, testStack, TEST_DATABASE_URL, type TestRpc, type TestUser } from '@mnemo/testing';

/**
 * The workspaces service's part of account deletion and of email verification, driven over NATS as identity
 * drives it; users and workspaces are made through the gateway.
 */
describe('account erasure and verified-email joins (workspaces RPC)', () => {
  let rpc: TestRpc;

  beforeAll(async () => {
    rpc = await connectTestRpc();
  });

  afterAll(async () => {
    await rpc?.close();
  });

  const call = <T>(operation: keyof typeof WORKSPACES_RPC, payload: unknown): Promise<RpcReply<T>> => rpc.call<T>('workspaces', WORKSPACES_RPC[operation], payload);
  const succeed = <T>(operation: keyof typeof WORKSPACES_RPC, payload: unknown): Promise<T> => rpc.succeed<T>('workspaces', WORKSPACES_RPC[operation], payload);

  const erasureId = () => randomBytes(32).toString('hex');

  /** Bob joins Ada's personal workspace as a member, by invitation token. */
  async function withMember(ada: TestUser, bob: TestUser, role = 'member'): Promise<void> {
    const invited = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email: bob.email, role } });
    expect((await api('POST', '/v1/auth/invitations/accept', { token: bob.token, body: { token: invited.body.token } })).status).toBe(200);
  }

  it('finds nothing blocking for a user alone in their workspace', async () => {
    const ada = await signUp();
    expect(await succeed<CheckAccountDeletionReply>('checkAccountDeletion', { user_id: ada.user.id })).toEqual({ blocking_workspaces: [], blocking_organizations: [] });
  });

  it('lists sole-owned workspaces and organizations with other members, and refuses to erase while they exist', async () => {
    const ada = await signUp();
    const bob = await signUp();
    await withMember(ada, bob);
    const blockers = { blocking_workspaces: [{ workspace_id: ada.workspace.workspace_id, name: ada.workspace.name }], blocking_organizations: [{ id: ada.organization.id, name: ada.organization.name }] };
    expect(await succeed<CheckAccountDeletionReply>('checkAccountDeletion', { user_id: ada.user.id })).toEqual(blockers);
    const refused = await call('eraseUser', { user_id: ada.user.id, erasure_id: erasureId() });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: blockers } });
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: ada.token })).status).toBe(200);
    // Bob, a plain member, is blocked by nothing.
    expect(await succeed<CheckAccountDeletionReply>('checkAccountDeletion', { user_id: bob.user.id })).toEqual({ blocking_workspaces: [], blocking_organizations: [] });
  });

  it('erases a user alone in their workspace and organization: both deleted, slugs released, idempotent', async () => {
    const ada = await signUp();
    const id = erasureId();
    const reply = await succeed<EraseUserReply>('eraseUser', { user_id: ada.user.id, erasure_id: id });
    expect(reply).toEqual({ deleted_workspace_ids: [ada.workspace.workspace_id], deleted_organization_ids: [ada.organization.id] });
    expect(await succeed<EraseUserReply>('eraseUser', { user_id: ada.user.id, erasure_id: id })).toEqual(reply);
    expect(await call('getWorkspace', { workspace_id: ada.workspace.workspace_id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await call('listUserWorkspaces', { user_id: ada.user.id })).toEqual({ ok: true, data: { workspaces: [] } });

    const events = await asDatabaseAdmin(async (db) =>
      (
        await db.query<{ type: string; data: { erasure_id?: string } }>(
          `SELECT type, data FROM workspaces.events WHERE stream_id IN ($1, $2) AND type LIKE '%.deleted'`,
          [`workspace-${ada.workspace.workspace_id}`, `organization-${ada.organization.id}`],
        )
      ).rows,
    );
    expect(events.map((e) => [e.type, e.data.erasure_id]).sort()).toEqual([
      ['organization.deleted', id],
      ['workspace.deleted', id],
    ]);
    // The slugs are free for someone else.
    const bob = await signUp();
    const org = await api('POST', '/v1/organizations', { token: bob.token, body: { name: 'Slug heir', slug: ada.organization.slug } });
    expect(org.status).toBe(201);
    const workspace = await api('POST', '/v1/workspaces', { token: bob.token, body: { name: 'Slug heir', slug: ada.workspace.slug, organization_id: bob.organization.id } });
    expect(workspace.status).toBe(201);
  });

  it('leaves shared workspaces and organizations the user does not solely own, revoking only their memberships', async () => {
    const ada = await signUp();
    const bob = await signUp();
    await withMember(ada, bob, 'admin');
    const reply = await succeed<EraseUserReply>('eraseUser', { user_id: bob.user.id, erasure_id: erasureId() });
    expect(reply).toEqual({ deleted_workspace_ids: [bob.workspace.workspace_id], deleted_organization_ids: [bob.organization.id] });
    const members = await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: ada.token });
    expect(members.body.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([ada.user.id]);
  });

  it('turns every pending invitation for a verified address into a membership, once', async () => {
    const ada = await signUp();
    const email = `verified-${randomBytes(4).toString('hex')}@example.com`;
    await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email, role: 'viewer' } });
    const userId = uuidv7();
    const joined = await succeed<JoinInvitationsForEmailReply>('joinInvitationsForEmail', { user_id: userId, email: email.toUpperCase() });
    expect(joined).toEqual({ joined: [{ workspace_id: ada.workspace.workspace_id, role: 'viewer' }] });
    expect(await succeed<JoinInvitationsForEmailReply>('joinInvitationsForEmail', { user_id: userId, email })).toEqual({ joined: [] });
    expect(await call('getAccess', { workspace_id: ada.workspace.workspace_id, user_id: userId })).toMatchObject({ ok: true, data: { role: 'viewer' } });
  });

  it('skips invitations to workspaces the user is already in', async () => {
    const ada = await signUp();
    const bob = await signUp();
    await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email: bob.email } });
    const code = (await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}/join-info`, { token: ada.token })).body.invite_code;
    expect((await api('POST', '/v1/join', { token: bob.token, body: { code } })).status).toBe(200);
    expect(await succeed<JoinInvitationsForEmailReply>('joinInvitationsForEmail', { user_id: bob.user.id, email: bob.email })).toEqual({ joined: [] });
  });

  it('keeps invitation tokens out of events and tables: only their SHA-256 is stored', async () => {
    const ada = await signUp();
    const invited = await api('POST', '/v1/auth/invitations', { token: ada.token, workspace: ada.workspace.workspace_id, body: { email: `secret-${randomBytes(4).toString('hex')}@example.com` } });
    const token: string = invited.body.token;
    const stored = await asDatabaseAdmin(async (db) => {
      const events = await db.query('SELECT type, data, metadata FROM workspaces.events WHERE stream_id = $1', [`invitation-${invited.body.id}`]);
      const rows = await db.query('SELECT * FROM workspaces.invitations WHERE id = $1', [invited.body.id]);
      const outbox = await db.query(`SELECT payload FROM workspaces.outbox WHERE payload->>'streamId' = $1`, [`invitation-${invited.body.id}`]);
      return { events: events.rows, rows: rows.rows, outbox: outbox.rows };
    });
    expect(stored.events).toEqual([expect.objectContaining({ type: 'invitation.created', data: expect.objectContaining({ token_sha256: createHash('sha256').update(token).digest('hex') }) })]);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(token.slice('mnemo_inv_'.length));
  });

  it.each([
    ['checkAccountDeletion', { user_id: 'ada' }, 'user_id'],
    ['eraseUser', { user_id: uuidv7() }, 'erasure_id'],
    ['joinInvitationsForEmail', { user_id: uuidv7(), email: 'not-an-email' }, 'email'],
  ] as const)('%s refuses malformed input with VALIDATION_ERROR', async (operation, payload, field) => {
    expect(await call(operation, payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', details: { field } } });
  });
});

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
