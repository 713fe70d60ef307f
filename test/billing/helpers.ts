import { api, fakeStripe, type TestUser } from '@mnemo/testing';

export const stripe = () => fakeStripe();

export async function workspaceOf(user: TestUser, workspaceId = user.workspace.workspace_id): Promise<{ status: string; plan_name: string; billing_cycle: string }> {
  const response = await api('GET', `/v1/workspaces/${workspaceId}`, { token: user.token });
  expect(response.status).toBe(200);
  return response.body;
}

export async function subscriptionOf(user: TestUser, workspaceId = user.workspace.workspace_id) {
  const response = await api('GET', `/v1/workspaces/${workspaceId}/subscription`, { token: user.token });
  expect(response.status).toBe(200);
  return response.body;
}

/** PUT the subscription to a paid plan: answers the checkout URL of the fake Stripe, and its session id. */
export async function startCheckout(user: TestUser, plan: 'pro' | 'team', cycle: 'monthly' | 'annual' = 'monthly') {
  const response = await api('PUT', `/v1/workspaces/${user.workspace.workspace_id}/subscription`, { token: user.token, body: { plan_name: plan, billing_cycle: cycle } });
  expect(response.status).toBe(200);
  const checkoutUrl: string = response.body.checkout_url;
  expect(checkoutUrl.startsWith(`${stripe().url}/pay/cs_test_`)).toBe(true);
  return { subscription: response.body, checkoutUrl, sessionId: checkoutUrl.split('/').pop()! };
}

/** The payer completes the checkout and Stripe reports it: `checkout.session.completed`, signed. */
export async function payCheckout(sessionId: string, created?: number) {
  const { session, subscription } = await stripe().completeCheckout(sessionId);
  const response = await stripe().deliver(stripe().event('checkout.session.completed', session, created));
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ received: true, outcome: 'applied' });
  return { session, subscription };
}

/**
 * A workspace on a paid plan: checkout started and paid. The completion event is dated a month back, so the
 * tests' later events (some dated days back to reach past the grace period) are newer than it, not stale.
 */
export async function onPaidPlan(user: TestUser, plan: 'pro' | 'team' = 'pro') {
  const { sessionId } = await startCheckout(user, plan);
  return payCheckout(sessionId, nowSeconds() - 30 * DAY);
}

export function invoice(customer: string, subscription: string, extra: Record<string, unknown> = {}) {
  return {
    id: `in_test_${Math.random().toString(36).slice(2)}`,
    object: 'invoice',
    customer,
    parent: { type: 'subscription_details', subscription_details: { subscription } },
    period_end: Math.floor(Date.now() / 1000) + 30 * 24 * 3600,
    ...extra,
  };
}

export const DAY = 24 * 60 * 60;
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export { publishUsageFact } from '../workspaces/lifecycle-helpers';
