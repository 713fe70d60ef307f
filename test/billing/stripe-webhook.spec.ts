import { randomBytes } from 'node:crypto';
import { eventually, signUp } from '@mnemo/testing';
import { DAY, invoice, nowSeconds, onPaidPlan, startCheckout, stripe, subscriptionOf, workspaceOf } from './helpers';

/**
 * POST /v1/billing/stripe against the fake Stripe: signatures verified over the raw body with the library's
 * own helper, replays applied once, stale events ignored, customers mapped to their own workspace only.
 */
describe('the Stripe webhook', () => {
  it('refuses a bad signature with 400 and changes nothing', async () => {
    const ada = await signUp();
    const { sessionId } = await startCheckout(ada, 'pro');
    const { session } = await stripe().completeCheckout(sessionId);
    const event = stripe().event('checkout.session.completed', session);

    const wrongSecret = await stripe().deliver(event, { secret: `whsec_${randomBytes(24).toString('base64url')}` });
    expect(wrongSecret.status).toBe(400);
    expect(wrongSecret.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'invalid_signature' } });
    const garbage = await stripe().deliver(event, { signature: 't=1,v1=deadbeef' });
    expect(garbage.status).toBe(400);
    const missing = await stripe().deliver(event, { signature: '' });
    expect(missing.status).toBe(400);
    expect(await workspaceOf(ada)).toMatchObject({ status: 'pending_payment', plan_name: 'free' });

    // The same event, correctly signed, is applied: the refusals had not consumed its id.
    const signed = await stripe().deliver(event);
    expect(signed.body).toEqual({ received: true, outcome: 'applied' });
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
  });

  it('refuses a signature whose timestamp is outside the tolerance (5 minutes), and accepts one just inside', async () => {
    const ada = await signUp();
    const { sessionId } = await startCheckout(ada, 'pro');
    const { session } = await stripe().completeCheckout(sessionId);
    const event = stripe().event('checkout.session.completed', session);
    const stale = await stripe().deliver(event, { timestamp: nowSeconds() - 301 - 30 });
    expect(stale.status).toBe(400);
    expect(stale.body.error.details).toEqual({ reason: 'invalid_signature' });
    expect(await workspaceOf(ada)).toMatchObject({ status: 'pending_payment', plan_name: 'free' });
    // Inside the tolerance with a margin for a loaded machine.
    const recent = await stripe().deliver(event, { timestamp: nowSeconds() - 240 });
    expect(recent.status).toBe(200);
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
  });

  it('applies a replayed event id once', async () => {
    const ada = await signUp();
    const { subscription } = await onPaidPlan(ada);
    const customer = subscription.customer as string;
    const failed = stripe().event('invoice.payment_failed', invoice(customer, subscription.id), nowSeconds() - 8 * DAY);
    const first = await stripe().deliver(failed);
    expect(first.body).toEqual({ received: true, outcome: 'applied' });
    expect((await workspaceOf(ada)).status).toBe('suspended');
    // Recovered, then the old failure again: a replay changes nothing (it would suspend a second time).
    expect((await stripe().deliver(stripe().event('invoice.paid', invoice(customer, subscription.id)))).body.outcome).toBe('applied');
    expect((await workspaceOf(ada)).status).toBe('active');
    const replay = await stripe().deliver(failed);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ received: true, outcome: 'duplicate' });
    expect((await workspaceOf(ada)).status).toBe('active');
  });

  it('ignores an event older than the last applied one', async () => {
    const ada = await signUp();
    const { subscription } = await onPaidPlan(ada);
    const customer = subscription.customer as string;
    const newer = stripe().event('invoice.paid', invoice(customer, subscription.id), nowSeconds() + 60);
    const older = stripe().event('invoice.payment_failed', invoice(customer, subscription.id), nowSeconds() - 8 * DAY);
    expect((await stripe().deliver(newer)).body.outcome).toBe('applied');
    const outOfOrder = await stripe().deliver(older);
    expect(outOfOrder.status).toBe(200);
    expect(outOfOrder.body).toEqual({ received: true, outcome: 'stale' });
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
    expect((await subscriptionOf(ada)).payment_failing_since).toBeNull();
  });

  it('activates a checkout whose completion arrives after the first invoice of its subscription', async () => {
    const ada = await signUp();
    const { sessionId } = await startCheckout(ada, 'pro');
    const { session, subscription } = await stripe().completeCheckout(sessionId);
    const paidFirst = await stripe().deliver(stripe().event('invoice.paid', invoice(subscription.customer as string, subscription.id), nowSeconds() + 5));
    expect(paidFirst.body.outcome).toBe('applied');
    expect((await workspaceOf(ada)).status).toBe('pending_payment');
    expect((await stripe().deliver(stripe().event('checkout.session.completed', session))).body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
  });

  it('acknowledges an event for an unknown customer and applies it to no workspace, whatever it claims', async () => {
    const victim = await signUp();
    const { sessionId } = await startCheckout(victim, 'pro');
    const { session } = await stripe().completeCheckout(sessionId);
    // The victim's own session, but under a customer that is nobody's.
    const forged = stripe().event('checkout.session.completed', { ...session, customer: 'cus_test_unknown', client_reference_id: String(victim.workspace.workspace_id) });
    const response = await stripe().deliver(forged);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, outcome: 'unknown_customer' });
    expect(await workspaceOf(victim)).toMatchObject({ status: 'pending_payment', plan_name: 'free' });

    // Another workspace's customer cannot complete the victim's checkout either.
    const other = await signUp();
    const { subscription } = await onPaidPlan(other);
    const crossed = await stripe().deliver(stripe().event('checkout.session.completed', { ...session, customer: subscription.customer }));
    expect(crossed.body.outcome).toBe('applied');
    expect(await workspaceOf(victim)).toMatchObject({ status: 'pending_payment', plan_name: 'free' });
    expect(await workspaceOf(other)).toMatchObject({ status: 'active', plan_name: 'pro' });
  });

  it('takes webhook bodies up to 512 KiB and refuses one byte more with 413', async () => {
    const padded = (bytes: number) => {
      const event = stripe().event('charge.refunded', { id: 'ch_test_pad', object: 'charge', padding: '' });
      const overhead = JSON.stringify(event).length;
      (event.data as { object: { padding: string } }).object.padding = 'x'.repeat(bytes - overhead);
      expect(JSON.stringify(event).length).toBe(bytes);
      return event;
    };
    const atLimit = await stripe().deliver(padded(512 * 1024));
    expect(atLimit.status).toBe(200);
    expect(atLimit.body).toEqual({ received: true, outcome: 'not_handled' });
    const overLimit = await stripe().deliver(padded(512 * 1024 + 1));
    expect(overLimit.status).toBe(413);
    expect(overLimit.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('acknowledges event types it does not act on', async () => {
    const response = await stripe().deliver(stripe().event('charge.refunded', { id: 'ch_test_1', object: 'charge', customer: 'cus_test_x' }));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, outcome: 'not_handled' });
  });

  it('suspends after a failed payment only past the grace period, and reinstates when the payment recovers', async () => {
    const ada = await signUp();
    const { subscription } = await onPaidPlan(ada);
    const customer = subscription.customer as string;
    // Within the grace (7 days in the test stack): still active, the failure recorded.
    const firstFailure = nowSeconds() - 6 * DAY;
    expect((await stripe().deliver(stripe().event('invoice.payment_failed', invoice(customer, subscription.id), firstFailure))).body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
    expect((await subscriptionOf(ada)).payment_failing_since).toBe(new Date(firstFailure * 1000).toISOString());
    // The provider's retry fails too, after the grace counted from the first failure: suspended by billing.
    expect((await stripe().deliver(stripe().event('invoice.payment_failed', invoice(customer, subscription.id), firstFailure + 7 * DAY + 60))).body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'suspended', plan_name: 'pro' });
    // Paid at last: reinstated.
    expect((await stripe().deliver(stripe().event('invoice.paid', invoice(customer, subscription.id), firstFailure + 7 * DAY + 120))).body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
    expect((await subscriptionOf(ada)).payment_failing_since).toBeNull();
  });

  it('moves to free at the period end after a cancellation, not before', async () => {
    const ada = await signUp();
    const { subscription } = await onPaidPlan(ada);
    const periodEnd = nowSeconds() + 20 * DAY;
    const scheduled = stripe().event('customer.subscription.updated', {
      ...subscription,
      cancel_at_period_end: true,
      items: { object: 'list', data: [{ id: 'si_test_1', object: 'subscription_item', current_period_end: periodEnd }] },
    });
    expect((await stripe().deliver(scheduled)).body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'pro' });
    expect(await subscriptionOf(ada)).toMatchObject({ plan_name: 'pro', cancel_at_period_end: true, current_period_end: new Date(periodEnd * 1000).toISOString() });
    // The period ends: Stripe deletes the subscription.
    expect((await stripe().deliver(stripe().event('customer.subscription.deleted', { ...subscription, status: 'canceled' }, nowSeconds() + 1))).body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'free', billing_cycle: 'monthly' });
    expect(await subscriptionOf(ada)).toMatchObject({ plan_name: 'free', cancel_at_period_end: false, current_period_end: null });
  });

  it('suspends when the grace ends without any further event from the provider', async () => {
    const ada = await signUp();
    const { subscription } = await onPaidPlan(ada);
    // The first failure's grace ends a few seconds from now; no retry is ever reported.
    const graceEndsSoon = nowSeconds() - 7 * DAY + 3;
    const failed = await stripe().deliver(stripe().event('invoice.payment_failed', invoice(subscription.customer as string, subscription.id), graceEndsSoon));
    expect(failed.body.outcome).toBe('applied');
    await eventually(async () => ((await workspaceOf(ada)).status === 'suspended' ? true : undefined), 30_000, 'the sweep to suspend the workspace');
    expect((await subscriptionOf(ada)).payment_failing_since).toBe(new Date(graceEndsSoon * 1000).toISOString());
  });

  it('ends a billing suspension when the unpaid subscription is deleted: back on free', async () => {
    const ada = await signUp();
    const { subscription } = await onPaidPlan(ada);
    const customer = subscription.customer as string;
    await stripe().deliver(stripe().event('invoice.payment_failed', invoice(customer, subscription.id), nowSeconds() - 8 * DAY));
    expect((await workspaceOf(ada)).status).toBe('suspended');
    expect((await stripe().deliver(stripe().event('customer.subscription.deleted', { ...subscription, status: 'canceled' }))).body.outcome).toBe('applied');
    expect(await workspaceOf(ada)).toMatchObject({ status: 'active', plan_name: 'free' });
  });
});
