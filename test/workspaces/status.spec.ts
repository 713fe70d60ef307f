import { DEFAULT_PLAN_LIMITS, periodUnitCap, type UnitCounts, type WorkspaceStatusResource } from '@mnemo/contracts';
import { api, mintKey, signUp } from '@mnemo/testing';
import { admin } from './lifecycle-helpers';

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

describe('GET /v1/status', () => {
  it('shows the workspace, its plan, the current period and its usage against the caps', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const body = await status(ada.token, id);
    expect(Object.keys(body).sort()).toEqual(
      ['workspace_id', 'workspace_name', 'workspace_status', 'plan_name', 'billing_cycle', 'period_start', 'period_end', 'usage', 'limits'].sort(),
    );
    expect(body).toMatchObject({
      workspace_id: id,
      workspace_name: ada.workspace.name,
      workspace_status: 'active',
      plan_name: 'free',
      billing_cycle: 'monthly',
      usage: { writes: 0, retrieves: 0, runs: 0 },
      limits: caps('free'),
    });
    // Monthly from creation: the first period starts when the workspace was created.
    expect(Math.abs(Date.parse(body.period_start) - Date.parse(ada.workspace.created_at))).toBeLessThan(60_000);
    const start = new Date(body.period_start);
    const end = new Date(body.period_end);
    expect(end.getUTCDate() === start.getUTCDate() || end.getUTCDate() < start.getUTCDate()).toBe(true);
    expect((end.getUTCMonth() - start.getUTCMonth() + 12) % 12).toBe(1);
  });

  it('answers a suspended workspace, keys included', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const key = (await mintKey(ada.token, id, ['memory:read'])).key;
    await admin('POST', `/admin/workspaces/${id}/suspend`, { body: { reason: 'audit' } });
    expect((await api('GET', '/v1/status', { token: key })).body).toMatchObject({ workspace_id: id, workspace_status: 'suspended' });
    expect((await status(ada.token, id)).workspace_status).toBe('suspended');
  });

  it('answers pending_payment (a checkout for a paid plan is waiting), suspended over it, and active once an operator sets the plan', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const checkout = await api('PUT', `/v1/workspaces/${id}/subscription`, { token: ada.token, body: { plan_name: 'pro', billing_cycle: 'monthly' } });
    expect(checkout.status).toBe(200);
    expect(await status(ada.token, id)).toMatchObject({ workspace_status: 'pending_payment', plan_name: 'free' });
    await admin('POST', `/admin/workspaces/${id}/suspend`, { body: { reason: 'fraud check' } });
    expect((await status(ada.token, id)).workspace_status).toBe('suspended');
    await admin('POST', `/admin/workspaces/${id}/reinstate`, { body: { reason: 'cleared' } });
    // Back to what the other facts say: still waiting for the payment.
    expect((await status(ada.token, id)).workspace_status).toBe('pending_payment');
    // A plan set by an operator needs no payment: the wait ends.
    expect((await admin('PUT', `/admin/workspaces/${id}/plan`, { body: { plan_name: 'pro', reason: 'comp' } })).body).toMatchObject({ plan_name: 'pro', workspace_status: 'active' });
  });

  it('needs memory:read and a workspace; a workspace one cannot reach is 404', async () => {
    const ada = await signUp();
    const id = ada.workspace.workspace_id;
    const webhooksOnly = (await mintKey(ada.token, id, ['webhooks:admin'])).key;
    expect((await api('GET', '/v1/status', { token: webhooksOnly })).status).toBe(403);
    expect((await api('GET', '/v1/status', { token: ada.token })).status).toBe(400);
    expect((await api('GET', '/v1/status')).status).toBe(401);
    const stranger = await signUp();
    expect((await api('GET', '/v1/status', { token: stranger.token, workspace: id })).status).toBe(404);
  });
});
