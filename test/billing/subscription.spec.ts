import { api, eventually, mintKey, signUp, type TestUser } from '@mnemo/testing';
import { addByInvitation, verifiedUser } from '../workspaces/helpers';
import { DAY, nowSeconds, onPaidPlan, payCheckout, startCheckout, stripe, subscriptionOf, workspaceOf } from './helpers';

const subscriptionPath = (user: TestUser) => `/v1/workspaces/${user.workspace.workspace_id}/subscription`;

describe('GET /v1/plans', () => {
  it('answers the catalogue without a credential: prices per cycle, included units, overage, cost cap and limits', async () => {
    const response = await api('GET', '/v1/plans');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['plans']);
    expect(response.body.plans.map((plan: { name: string }) => plan.name)).toEqual(['free', 'pro', 'team']);
    const [free, pro, team] = response.body.plans;
    expect(free).toEqual({
      name: 'free',
      prices: null,
      included_units: { writes: 10_000, retrieves: 50_000, runs: 300 },
      overage_cents_per_thousand: null,
      cost_cap_cents: null,
      requests_per_second: 20,
      burst: 50,
      max_api_keys: 10,
      min_schedule_interval_minutes: 1440,
      sharing: false,
    });
    expect(pro).toEqual({
      name: 'pro',
      prices: { monthly_cents: 4_900, annual_cents: 49_000 },
      included_units: { writes: 250_000, retrieves: 1_000_000, runs: 10_000 },
      overage_cents_per_thousand: { writes: 40, retrieves: 10, runs: 200 },
      cost_cap_cents: 10_000,
      requests_per_second: 100,
      burst: 200,
      max_api_keys: 50,
      min_schedule_interval_minutes: 60,
      sharing: true,
    });
    expect(team).toEqual({
      name: 'team',
      prices: { monthly_cents: 29_900, annual_cents: 299_000 },
      included_units: { writes: 2_000_000, retrieves: 10_000_000, runs: 100_000 },
      overage_cents_per_thousand: { writes: 30, retrieves: 8, runs: 150 },
      cost_cap_cents: 50_000,
      requests_per_second: 500,
      burst: 1000,
      max_api_keys: 200,
      min_schedule_interval_minutes: 60,
      sharing: true,
    });
  });
});

describe('the subscription', () => {
  it('starts a new workspace on free with nothing pending', async () => {
    const ada = await signUp();
    expect(await subscriptionOf(ada)).toEqual({
      workspace_id: ada.workspace.workspace_id,
      plan_name: 'free',
      billing_cycle: 'monthly',
      workspace_status: 'active',
      pending_plan_name: null,
      pending_billing_cycle: null,
      checkout_url: null,
      cancel_at_period_end: false,
      current_period_end: null,
      payment_failing_since: null,
    });
  });

  it('sends a new workspace to checkout: pending_payment until Stripe reports the payment, then active on pro', async () => {
    const ada = await signUp();
    const { subscription, sessionId, checkoutUrl } = await startCheckout(ada, 'pro');
    expect(subscription).toMatchObject({ plan_name: 'free', workspace_status: 'pending_payment', pending_plan_name: 'pro', pending_billing_cycle: 'monthly', checkout_url: checkoutUrl });
    expect(await workspaceOf(ada)).toMatchObject({ status: 'pending_payment', plan_name: 'free' });
    const status = await api('GET', '/v1/status', { token: ada.token, workspace: ada.workspace.workspace_id });
    expect(status.status).toBe(200);
    expect(status.body.workspace_status).toBe('pending_payment');

    // The checkout the fake Stripe holds is for this workspace's customer, at the plan's monthly price.
    const session = await stripe().getCheckoutSession(sessionId);
    expect(session).toMatchObject({ mode: 'subscription', client_reference_id: String(ada.workspace.workspace_id), metadata: { plan_name: 'pro', billing_cycle: 'monthly' } });
    expect((session.line_items_requested as { price_data: { unit_amount: string; recurring: { interval: string } } }[])[0].price_data).toMatchObject({
      unit_amount: '4900',
      recurring: { interval: 'month' },
    });

    // Asking again answers the same checkout rather than opening another.
    const again = await api('PUT', subscriptionPath(ada), { token: ada.token, body: { plan_name: 'pro', billing_cycle: 'monthly' } });
    expect(again.body.checkout_url).toBe(checkoutUrl);
    expect((await stripe().getCheckoutSession(sessionId)).status).toBe('open');

    // Memory calls wait for the payment (the memory service learns the status from workspace.status_changed).
    const remember = () => api('POST', '/v1/memories', { token: ada.token, workspace: ada.workspace.workspace_id, body: { observation: `paid for? ${Date.now()}` } });
    const refused = await eventually(async () => {
      const response = await remember();
      return response.status === 402 ? response : undefined;
    }, 15_000, 'memory calls to answer 402');
    expect(refused.body.error.code).toBe('PAYMENT_REQUIRED');

    await payCheckout(sessionId);
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro', billing_cycle: 'monthly' });
    expect(await subscriptionOf(ada)).toMatchObject({ plan_name: 'pro', workspace_status: 'active', pending_plan_name: null, checkout_url: null });
    await eventually(async () => ((await remember()).status === 201 ? true : undefined), 15_000, 'memory calls to resume after the payment');
  });

  it('charges the annual price for the annual cycle; a new choice replaces (and closes) the open checkout', async () => {
    const ada = await signUp();
    const first = await startCheckout(ada, 'pro', 'monthly');
    const { sessionId, subscription } = await startCheckout(ada, 'team', 'annual');
    expect(subscription).toMatchObject({ workspace_status: 'pending_payment', pending_plan_name: 'team', pending_billing_cycle: 'annual' });
    expect((await stripe().getCheckoutSession(first.sessionId)).status).toBe('expired');
    const session = await stripe().getCheckoutSession(sessionId);
    expect((session.line_items_requested as { price_data: { unit_amount: string; recurring: { interval: string } } }[])[0].price_data).toMatchObject({
      unit_amount: '299000',
      recurring: { interval: 'year' },
    });
    await payCheckout(sessionId);
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'team', billing_cycle: 'annual' });
  });

  it('keeps the plan of a workspace that has paid before until its upgrade is paid', async () => {
    const ada = await signUp();
    const pro = await onPaidPlan(ada, 'pro');
    const { subscription, sessionId } = await startCheckout(ada, 'team');
    expect(subscription).toMatchObject({ plan_name: 'pro', workspace_status: 'active', pending_plan_name: 'team' });
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
    await payCheckout(sessionId);
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'team' });
    // The pro subscription the upgrade replaced no longer bills, and its own end changes nothing here.
    expect((await stripe().getSubscription(pro.subscription.id)).status).toBe('canceled');
    const oldEnded = await stripe().deliver(stripe().event('customer.subscription.deleted', { ...pro.subscription, status: 'canceled' }, nowSeconds() + DAY));
    expect(oldEnded.body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'team' });
  });

  it('drops an unpaid upgrade when the owner chooses the current plan again, closing its checkout', async () => {
    const ada = await signUp();
    await onPaidPlan(ada, 'pro');
    const { sessionId } = await startCheckout(ada, 'team');
    const kept = await api('PUT', subscriptionPath(ada), { token: ada.token, body: { plan_name: 'pro', billing_cycle: 'monthly' } });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ plan_name: 'pro', pending_plan_name: null, checkout_url: null });
    expect((await stripe().getCheckoutSession(sessionId)).status).toBe('expired');
    // Even a completion reported for it changes nothing: it is no longer the open checkout.
    const session = await stripe().getCheckoutSession(sessionId);
    expect((await stripe().deliver(stripe().event('checkout.session.completed', { ...session, payment_status: 'paid' }))).body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
  });

  it('lets a new workspace give up its first payment: back to free and active, the checkout closed', async () => {
    const ada = await signUp();
    const { sessionId } = await startCheckout(ada, 'pro');
    expect((await workspaceOf(ada)).status).toBe('pending_payment');
    const free = await api('PUT', subscriptionPath(ada), { token: ada.token, body: { plan_name: 'free' } });
    expect(free.status).toBe(200);
    expect(free.body).toMatchObject({ plan_name: 'free', workspace_status: 'active', pending_plan_name: null, checkout_url: null });
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'free' });
    expect((await stripe().getCheckoutSession(sessionId)).status).toBe('expired');
  });

  it('refuses to give up a checkout that was completed meanwhile: its payment decides', async () => {
    const ada = await signUp();
    const { sessionId } = await startCheckout(ada, 'pro');
    const { session } = await stripe().completeCheckout(sessionId);
    const free = await api('PUT', subscriptionPath(ada), { token: ada.token, body: { plan_name: 'free' } });
    expect(free.status).toBe(409);
    expect(free.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'checkout_completed' } });
    expect((await workspaceOf(ada)).status).toBe('pending_payment');
    expect((await stripe().deliver(stripe().event('checkout.session.completed', session))).body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
  });

  it('keeps the plan of a workspace that has usage until its upgrade is paid', async () => {
    const ada = await signUp();
    const written = await api('POST', '/v1/memories', { token: ada.token, workspace: ada.workspace.workspace_id, body: { observation: 'a used workspace' } });
    expect(written.status).toBe(201);
    // The ledger learns of the write from the memory service's usage facts.
    await eventually(
      async () => {
        const status = await api('GET', '/v1/status', { token: ada.token, workspace: ada.workspace.workspace_id });
        return status.body?.usage?.writes >= 1 ? true : undefined;
      },
      30_000,
      'the write in the usage ledger',
    );
    const { subscription, sessionId } = await startCheckout(ada, 'pro');
    expect(subscription).toMatchObject({ plan_name: 'free', workspace_status: 'active', pending_plan_name: 'pro' });
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'free' });
    await payCheckout(sessionId);
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
  });

  it('downgrades to free at the period end when the owner chooses free', async () => {
    const ada = await signUp();
    const { subscription } = await onPaidPlan(ada, 'pro');
    const chosen = await api('PUT', subscriptionPath(ada), { token: ada.token, body: { plan_name: 'free' } });
    expect(chosen.status).toBe(200);
    expect(chosen.body).toMatchObject({ plan_name: 'pro', cancel_at_period_end: true });
    // The fake Stripe was told to cancel at the period's end.
    expect((await stripe().getSubscription(subscription.id)).cancel_at_period_end).toBe(true);
    expect(await workspaceOf(ada)).toMatchObject({ plan_name: 'pro', status: 'active' });
    const ended = await stripe().deliver(stripe().event('customer.subscription.deleted', { ...subscription, status: 'canceled' }, nowSeconds() + DAY));
    expect(ended.body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ plan_name: 'free', status: 'active' });
  });

  it("answers the subscription's version as ETag and refuses a stale If-Match with 409 before any checkout", async () => {
    const ada = await signUp();
    const read = await api('GET', subscriptionPath(ada), { token: ada.token });
    expect(read.headers.get('etag')).toBe('"0"');
    const stale = await api('PUT', subscriptionPath(ada), { token: ada.token, headers: { 'if-match': '"7"' }, body: { plan_name: 'pro' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'CONFLICT', details: { reason: 'stale_etag' } });
    expect(await subscriptionOf(ada)).toMatchObject({ pending_plan_name: null, workspace_status: 'active' });
    const current = await api('PUT', subscriptionPath(ada), { token: ada.token, headers: { 'if-match': '"0"' }, body: { plan_name: 'pro' } });
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"1"');
    expect(current.body).toMatchObject({ pending_plan_name: 'pro', billing_cycle: 'monthly' });
  });

  it('replays an Idempotency-Key without asking the provider again; another body under it is 422 and touches nothing', async () => {
    const ada = await signUp();
    const headers = { 'idempotency-key': `sub-${Date.now()}-${Math.random()}` };
    const first = await api('PUT', subscriptionPath(ada), { token: ada.token, headers, body: { plan_name: 'pro' } });
    expect(first.status).toBe(200);
    const sessionId = (first.body.checkout_url as string).split('/').pop()!;
    const other = await api('PUT', subscriptionPath(ada), { token: ada.token, headers, body: { plan_name: 'team' } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_MISMATCH');
    // The open checkout was not replaced (nor closed) by the refused request.
    expect((await stripe().getCheckoutSession(sessionId)).status).toBe('open');
    expect(await subscriptionOf(ada)).toMatchObject({ pending_plan_name: 'pro', checkout_url: first.body.checkout_url });
    const replay = await api('PUT', subscriptionPath(ada), { token: ada.token, headers, body: { plan_name: 'pro' } });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
  });

  it('refuses an unknown plan, a bad cycle and unknown fields with 400, changing nothing', async () => {
    const ada = await signUp();
    for (const body of [{ plan_name: 'gold' }, { plan_name: 'pro', billing_cycle: 'weekly' }, { plan_name: 'pro', coupon: 'free-money' }, {}, { plan_name: 42 }]) {
      const response = await api('PUT', subscriptionPath(ada), { token: ada.token, body });
      expect([JSON.stringify(body), response.status]).toEqual([JSON.stringify(body), 400]);
      expect(response.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect(await subscriptionOf(ada)).toMatchObject({ plan_name: 'free', workspace_status: 'active', pending_plan_name: null });
  });

  it('lets owners change it; admins and keys see it; members see nothing of it; strangers get 404', async () => {
    const ada = await signUp();
    const admin = await signUp();
    const member = await signUp();
    const stranger = await signUp();
    await addByInvitation(ada, admin, 'admin');
    await addByInvitation(ada, member, 'member');
    const choosePro = { plan_name: 'pro', billing_cycle: 'monthly' };

    expect((await api('GET', subscriptionPath(ada), { token: admin.token })).status).toBe(200);
    const byAdmin = await api('PUT', subscriptionPath(ada), { token: admin.token, body: choosePro });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.error).toMatchObject({ code: 'FORBIDDEN', details: { required_role: 'owner' } });
    expect((await api('GET', subscriptionPath(ada), { token: member.token })).status).toBe(403);
    expect((await api('PUT', subscriptionPath(ada), { token: member.token, body: choosePro })).status).toBe(403);
    for (const method of ['GET', 'PUT']) {
      const response = await api(method, subscriptionPath(ada), { token: stranger.token, body: method === 'PUT' ? choosePro : undefined });
      expect([method, response.status, Object.keys(response.body)]).toEqual([method, 404, ['error']]);
    }
    expect((await api('GET', subscriptionPath(ada))).status).toBe(401);

    const adminKey = await mintKey(ada.token, ada.workspace.workspace_id, ['workspace:admin', 'memory:read']);
    expect((await api('GET', subscriptionPath(ada), { token: adminKey.key })).status).toBe(200);
    expect((await api('PUT', subscriptionPath(ada), { token: adminKey.key, body: choosePro })).status).toBe(403);
    const readKey = await mintKey(ada.token, ada.workspace.workspace_id, ['memory:read']);
    expect((await api('GET', subscriptionPath(ada), { token: readKey.key })).status).toBe(403);
    const foreignKey = await mintKey(stranger.token, stranger.workspace.workspace_id, ['workspace:admin', 'memory:read', 'memory:write']);
    expect((await api('GET', subscriptionPath(ada), { token: foreignKey.key })).status).toBe(404);
    expect((await api('PUT', subscriptionPath(ada), { token: foreignKey.key, body: choosePro })).status).toBe(404);
    for (const id of ['abc', '0', '99999999999']) expect((await api('GET', `/v1/workspaces/${id}/subscription`, { token: ada.token })).status).toBe(404);

    // None of the refusals opened a checkout.
    expect(await subscriptionOf(ada)).toMatchObject({ workspace_status: 'active', pending_plan_name: null });
  });

  it("lets the organization's billing admin change it without being a workspace member; plain organization members get 404", async () => {
    const ada = await signUp();
    const billingAdmin = await verifiedUser();
    const orgMember = await verifiedUser();
    for (const [user, role] of [
      [billingAdmin, 'billing_admin'],
      [orgMember, 'member'],
    ] as const) {
      const added = await api('POST', `/v1/organizations/${ada.organization.id}/members`, { token: ada.token, body: { email: user.email, role } });
      expect(added.status).toBe(201);
    }
    expect((await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}`, { token: billingAdmin.token })).status).toBe(404);
    expect((await api('GET', subscriptionPath(ada), { token: orgMember.token })).status).toBe(404);
    const chosen = await api('PUT', subscriptionPath(ada), { token: billingAdmin.token, body: { plan_name: 'pro', billing_cycle: 'annual' } });
    expect(chosen.status).toBe(200);
    expect(chosen.body).toMatchObject({ pending_plan_name: 'pro', pending_billing_cycle: 'annual' });
    expect(chosen.body.checkout_url).toMatch(/\/pay\/cs_test_/);
  });
});
