import { DEFAULT_PLAN_LIMITS, periodUnitCap, type UnitCounts, type WorkspaceStatusResource } from '@mnemo/contracts';
import { api, eventually, mintKey, signUp, testStack } from '@mnemo/testing';
import { admin, publishedWorkspaceEvents } from './lifecycle-helpers';

const caps = (plan: 'free' | 'pro' | 'team'): UnitCounts => ({
  writes: periodUnitCap(DEFAULT_PLAN_LIMITS[plan], 'writes'),
  retrieves: periodUnitCap(DEFAULT_PLAN_LIMITS[plan], 'retrieves'),
  runs: periodUnitCap(DEFAULT_PLAN_LIMITS[plan], 'runs'),
});

const status = async (token: string, workspaceId: number) => {
  const response = await api('GET', '/v1/status', { token, workspace: workspaceId });
  expect(response.status).toBe(200);
  return response.body as WorkspaceStatusResource;
};

describe('the admin port', () => {
  it('refuses every request without the operator token with 401 in the error envelope, unknown routes too', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    for (const token of [null, 'wrong-token', `${testStack().operatorToken}x`, ada.token]) {
      const response = await admin('POST', `/admin/workspaces/${id}/suspend`, { token, body: { reason: 'abuse' } });
      expect(response.status).toBe(401);
      expect(response.body.error).toMatchObject({ code: 'UNAUTHORIZED', request_id: expect.any(String) });
    }
    expect((await admin('GET', '/admin/nothing-here', { token: null })).status).toBe(401);
    expect((await admin('GET', '/admin/nothing-here')).body.error.code).toBe('NOT_FOUND');
    // Nothing happened to the workspace.
    expect((await status(ada.token, id)).workspace_status).toBe('active');
  });

  it('is not part of the public API: the public port does not route /admin and its OpenAPI document has none', async () => {
    const ada = await signUp();
    const response = await api('POST', `/admin/workspaces/${ada.workspace.workspace_id}/suspend`, { token: ada.token, body: { reason: 'x' } });
    expect(response.status).toBe(404);
    const docs = await api('GET', '/docs-json');
    expect(Object.keys(docs.body.paths).filter((path) => path.startsWith('/admin'))).toEqual([]);
  });

  it('suspends with a reason: GET /v1/status shows it, workspace.status_changed is published; reinstating makes it active again', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const suspended = await admin('POST', `/admin/workspaces/${id}/suspend`, { body: { reason: 'abuse report #17' } });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ workspace_id: id, workspace_status: 'suspended' });
    expect((await status(ada.token, id)).workspace_status).toBe('suspended');
    // A key answers the same.
    const key = (await mintKey(ada.token, id, ['memory:read'])).key;
    expect((await api('GET', '/v1/status', { token: key })).body.workspace_status).toBe('suspended');
    const published = await eventually(async () => {
      const events = await publishedWorkspaceEvents('workspace.status_changed', id);
      return events.length >= 1 ? events : undefined;
    }, 15_000, 'workspace.status_changed on NATS');
    expect(published.map((event) => event.data)).toEqual([{ workspace_id: id, status: 'suspended', previous_status: 'active', reason: 'abuse report #17' }]);
    expect(published[0].actor).toBe('operator:admin-port');

    // Twice is refused; so is reinstating a workspace that is not suspended.
    expect((await admin('POST', `/admin/workspaces/${id}/suspend`, { body: { reason: 'again' } })).body.error.code).toBe('CONFLICT');
    const reinstated = await admin('POST', `/admin/workspaces/${id}/reinstate`, { body: { reason: 'resolved' } });
    expect(reinstated.status).toBe(200);
    expect(reinstated.body.workspace_status).toBe('active');
    expect((await status(ada.token, id)).workspace_status).toBe('active');
    const again = await admin('POST', `/admin/workspaces/${id}/reinstate`, { body: { reason: 'resolved' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    const changes = await eventually(async () => {
      const events = await publishedWorkspaceEvents('workspace.status_changed', id);
      return events.length >= 2 ? events : undefined;
    }, 15_000, 'the second workspace.status_changed');
    expect(changes[1].data).toEqual({ workspace_id: id, status: 'active', previous_status: 'suspended', reason: 'resolved' });
  });

  it('needs a reason of 1–500 characters, and refuses unknown fields', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    for (const body of [{}, { reason: '' }, { reason: 'x'.repeat(501) }, { reason: 7 }, { reason: 'ok', extra: true }]) {
      const response = await admin('POST', `/admin/workspaces/${id}/suspend`, { body });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await status(ada.token, id)).workspace_status).toBe('active');
    expect((await admin('POST', `/admin/workspaces/${id}/suspend`, { body: { reason: 'x'.repeat(500) } })).status).toBe(200);
    expect((await admin('POST', `/admin/workspaces/${id}/reinstate`, { body: { reason: 'y' } })).status).toBe(200);
  });

  it('answers 404 for a workspace that does not exist or an id that cannot be one', async () => {
    for (const id of ['2147483000', 'abc', '0']) {
      const response = await admin('POST', `/admin/workspaces/${id}/suspend`, { body: { reason: 'x' } });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('overrides the plan without payment: plan and limits change, and the reason is recorded', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    expect(await status(ada.token, id)).toMatchObject({ plan_name: 'free', billing_cycle: 'monthly', limits: caps('free') });
    const upgraded = await admin('PUT', `/admin/workspaces/${id}/plan`, { body: { plan_name: 'team', reason: 'partner deal', billing_cycle: 'annual' } });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({ plan_name: 'team', billing_cycle: 'annual', workspace_status: 'active', limits: caps('team') });
    expect(await status(ada.token, id)).toMatchObject({ plan_name: 'team', billing_cycle: 'annual', limits: caps('team') });
    expect((await api('GET', `/v1/workspaces/${id}`, { token: ada.token })).body).toMatchObject({ plan_name: 'team', billing_cycle: 'annual' });
    // The billing cycle stays when not given.
    expect((await admin('PUT', `/admin/workspaces/${id}/plan`, { body: { plan_name: 'pro', reason: 'downsized' } })).body).toMatchObject({ plan_name: 'pro', billing_cycle: 'annual' });
    const changes = await eventually(async () => {
      const events = await publishedWorkspaceEvents('workspace.plan_changed', id);
      return events.length >= 2 ? events : undefined;
    }, 15_000, 'workspace.plan_changed on NATS');
    expect(changes.map((event) => event.data)).toEqual([
      { workspace_id: id, plan_name: 'team', billing_cycle: 'annual', previous_plan_name: 'free', source: 'operator', reason: 'partner deal' },
      { workspace_id: id, plan_name: 'pro', billing_cycle: 'annual', previous_plan_name: 'team', source: 'operator', reason: 'downsized' },
    ]);
    for (const body of [{ plan_name: 'gold', reason: 'x' }, { plan_name: 'pro' }, { plan_name: 'pro', reason: 'x', billing_cycle: 'weekly' }]) {
      expect((await admin('PUT', `/admin/workspaces/${id}/plan`, { body })).status).toBe(400);
    }
  });

  it("links an organization to WorkOS, shown to the organization's owners; null unlinks; bad ids are refused", async () => {
    const ada = await signUp();
    const organizationId = ada.organization.id;
    const linked = await admin('PUT', `/admin/organizations/${organizationId}/workos`, { body: { workos_organization_id: 'org_01HZX4ABCDEF' } });
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({ id: organizationId, workos_organization_id: 'org_01HZX4ABCDEF' });
    const organizations = await api('GET', '/v1/organizations', { token: ada.token });
    expect(organizations.body.organizations.find((o: { id: string }) => o.id === organizationId)).toMatchObject({ workos_organization_id: 'org_01HZX4ABCDEF' });
    for (const body of [{ workos_organization_id: 'acme' }, { workos_organization_id: 'org_' }, {}, { workos_organization_id: 5 }]) {
      expect((await admin('PUT', `/admin/organizations/${organizationId}/workos`, { body })).status).toBe(400);
    }
    expect((await admin('PUT', `/admin/organizations/${organizationId}/workos`, { body: { workos_organization_id: null } })).body.workos_organization_id).toBeNull();
    expect((await admin('PUT', '/admin/organizations/01900000-0000-7000-8000-000000000999/workos', { body: { workos_organization_id: 'org_1' } })).status).toBe(404);
    expect((await admin('PUT', '/admin/organizations/not-a-uuid/workos', { body: { workos_organization_id: 'org_1' } })).status).toBe(404);
  });
});
