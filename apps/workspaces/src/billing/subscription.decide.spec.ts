import type { SubscriptionEvent } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import type { PaymentEvent, PaymentFact } from './payment-provider';
import { subscriptionDecider, type SubscriptionCommand } from './subscription.decide';
import { workspaceEffectsOf } from './subscription.commands';

const workspaceId = 42;
const checkoutStarted = (firstPayment = true, plan: 'pro' | 'team' = 'pro', session = 'cs_1'): SubscriptionEvent => ({
  type: 'subscription.checkout_started',
  data: { workspace_id: 42, plan_name: plan, billing_cycle: 'monthly', customer_id: 'cus_1', checkout_session_id: session, checkout_url: `https://pay/${session}`, first_payment: firstPayment },
});
const activated = (plan: 'pro' | 'team' = 'pro', session = 'cs_1', subscription = 'sub_1'): SubscriptionEvent => ({
  type: 'subscription.activated',
  data: {
    workspace_id: 42,
    plan_name: plan,
    billing_cycle: 'monthly',
    customer_id: 'cus_1',
    subscription_id: subscription,
    checkout_session_id: session,
    provider_event_id: 'evt_paid',
    replaced_subscription_id: null,
  },
});
const failed = (since: string, graceEnds: string, id = 'evt_fail'): SubscriptionEvent => ({
  type: 'subscription.payment_failed',
  data: { workspace_id: 42, failing_since: since, grace_ends_at: graceEnds, provider_event_id: id },
});
const graceExpired = (since: string, ended: string): SubscriptionEvent => ({ type: 'subscription.grace_expired', data: { workspace_id: 42, failing_since: since, grace_ended_at: ended } });

const paymentEvent = (fact: PaymentFact, occurredAt = '2026-03-01T00:00:00.000Z', id = 'evt_x'): SubscriptionCommand => ({
  type: 'ApplyPaymentEvent',
  workspaceId,
  event: { id, occurredAt, providerType: 'test', customerId: 'cus_1', ...fact } as PaymentEvent,
  now: occurredAt,
  graceDays: 7,
});
const completed = (session = 'cs_1', paid = true): PaymentFact => ({ kind: 'checkout_completed', checkoutSessionId: session, subscriptionId: 'sub_1', paid });

describe('subscription decisions', () => {
  it('activates the plan of the checkout this workspace opened, once paid', () => {
    given(subscriptionDecider, [checkoutStarted()]).when(paymentEvent(completed(), undefined, 'evt_paid')).then([activated()]);
  });

  it('ignores a completed checkout that is unpaid, unknown, or already applied', () => {
    given(subscriptionDecider, [checkoutStarted()]).when(paymentEvent(completed('cs_1', false))).then([]);
    given(subscriptionDecider, [checkoutStarted()]).when(paymentEvent(completed('cs_other'))).then([]);
    given(subscriptionDecider, [checkoutStarted(), activated()]).when(paymentEvent(completed())).then([]);
    given(subscriptionDecider, []).when(paymentEvent(completed())).then([]);
  });

  it('records the first failed payment with the end of its grace, and suspends only once the grace has passed', () => {
    const since = '2026-03-01T00:00:00.000Z';
    const ends = '2026-03-08T00:00:00.000Z';
    given(subscriptionDecider, [checkoutStarted(), activated()])
      .when(paymentEvent({ kind: 'payment_failed', subscriptionId: 'sub_1' }, since, 'evt_fail'))
      .then([failed(since, ends)]);
    // A retry inside the grace changes nothing; one at its end expires it.
    given(subscriptionDecider, [checkoutStarted(), activated(), failed(since, ends)])
      .when(paymentEvent({ kind: 'payment_failed', subscriptionId: 'sub_1' }, '2026-03-07T23:59:59.000Z'))
      .then([]);
    given(subscriptionDecider, [checkoutStarted(), activated(), failed(since, ends)])
      .when(paymentEvent({ kind: 'payment_failed', subscriptionId: 'sub_1' }, ends))
      .then([graceExpired(since, ends)]);
    // A failure first reported after its grace had already passed suspends at once.
    given(subscriptionDecider, [checkoutStarted(), activated()])
      .when({ ...(paymentEvent({ kind: 'payment_failed', subscriptionId: 'sub_1' }, since, 'evt_fail') as object), now: '2026-03-09T00:00:00.000Z' } as SubscriptionCommand)
      .then([failed(since, ends), graceExpired(since, ends)]);
  });

  it('expires the grace from the sweep, once', () => {
    const since = '2026-03-01T00:00:00.000Z';
    const ends = '2026-03-08T00:00:00.000Z';
    const history = [checkoutStarted(), activated(), failed(since, ends)];
    given(subscriptionDecider, history).when({ type: 'ExpireGrace', workspaceId, now: '2026-03-07T00:00:00.000Z' }).then([]);
    given(subscriptionDecider, history).when({ type: 'ExpireGrace', workspaceId, now: ends }).then([graceExpired(since, ends)]);
    given(subscriptionDecider, [...history, graceExpired(since, ends)]).when({ type: 'ExpireGrace', workspaceId, now: '2026-03-09T00:00:00.000Z' }).then([]);
  });

  it('recovers a failing payment, reinstating only when the grace had expired', () => {
    const since = '2026-03-01T00:00:00.000Z';
    const ends = '2026-03-08T00:00:00.000Z';
    const paid = paymentEvent({ kind: 'payment_succeeded', subscriptionId: 'sub_1', periodEnd: '2026-04-01T00:00:00.000Z' }, '2026-03-09T00:00:00.000Z', 'evt_rec');
    given(subscriptionDecider, [checkoutStarted(), activated(), failed(since, ends)]).when(paid).then([
      { type: 'subscription.payment_recovered', data: { workspace_id: 42, provider_event_id: 'evt_rec', reinstate: false, current_period_end: '2026-04-01T00:00:00.000Z' } },
    ]);
    given(subscriptionDecider, [checkoutStarted(), activated(), failed(since, ends), graceExpired(since, ends)]).when(paid).then([
      { type: 'subscription.payment_recovered', data: { workspace_id: 42, provider_event_id: 'evt_rec', reinstate: true, current_period_end: '2026-04-01T00:00:00.000Z' } },
    ]);
  });

  it('ignores payment facts on free, and facts about a subscription the workspace no longer has', () => {
    given(subscriptionDecider, []).when(paymentEvent({ kind: 'payment_failed', subscriptionId: 'sub_1' })).then([]);
    given(subscriptionDecider, [checkoutStarted(), activated()]).when(paymentEvent({ kind: 'payment_failed', subscriptionId: 'sub_old' })).then([]);
    given(subscriptionDecider, [checkoutStarted(), activated()]).when(paymentEvent({ kind: 'subscription_ended', subscriptionId: 'sub_old' })).then([]);
  });

  it('schedules the cancellation for the period end, withdraws it, and ends the subscription', () => {
    const paidUp = [checkoutStarted(), activated()];
    const cancelAt = '2026-04-01T00:00:00.000Z';
    given(subscriptionDecider, paidUp)
      .when(paymentEvent({ kind: 'subscription_updated', subscriptionId: 'sub_1', cancelAtPeriodEnd: true, currentPeriodEnd: cancelAt }))
      .then([{ type: 'subscription.cancellation_scheduled', data: { workspace_id: 42, cancel_at: cancelAt, requested_by: 'provider' } }]);
    const scheduled: SubscriptionEvent = { type: 'subscription.cancellation_scheduled', data: { workspace_id: 42, cancel_at: cancelAt, requested_by: 'owner' } };
    given(subscriptionDecider, [...paidUp, scheduled])
      .when(paymentEvent({ kind: 'subscription_updated', subscriptionId: 'sub_1', cancelAtPeriodEnd: false, currentPeriodEnd: cancelAt }))
      .then([{ type: 'subscription.cancellation_withdrawn', data: { workspace_id: 42 } }]);
    given(subscriptionDecider, [...paidUp, scheduled])
      .when(paymentEvent({ kind: 'subscription_ended', subscriptionId: 'sub_1' }, undefined, 'evt_end'))
      .then([{ type: 'subscription.ended', data: { workspace_id: 42, provider_event_id: 'evt_end', reinstate: false } }]);
  });

  it('lets the owner choose free: cancellation at the period end, an unpaid upgrade or first payment dropped', () => {
    const cancelAt = '2026-04-01T00:00:00.000Z';
    given(subscriptionDecider, [checkoutStarted(), activated()]).when({ type: 'ChooseFree', workspaceId, cancelAt }).then([
      { type: 'subscription.cancellation_scheduled', data: { workspace_id: 42, cancel_at: cancelAt, requested_by: 'owner' } },
    ]);
    given(subscriptionDecider, [checkoutStarted(), activated(), checkoutStarted(false, 'team', 'cs_2')]).when({ type: 'ChooseFree', workspaceId, cancelAt }).then([
      { type: 'subscription.checkout_abandoned', data: { workspace_id: 42, checkout_session_id: 'cs_2', first_payment: false } },
      { type: 'subscription.cancellation_scheduled', data: { workspace_id: 42, cancel_at: cancelAt, requested_by: 'owner' } },
    ]);
    given(subscriptionDecider, [checkoutStarted()]).when({ type: 'ChooseFree', workspaceId, cancelAt: null }).then([
      { type: 'subscription.checkout_abandoned', data: { workspace_id: 42, checkout_session_id: 'cs_1', first_payment: true } },
    ]);
    given(subscriptionDecider, []).when({ type: 'ChooseFree', workspaceId, cancelAt: null }).then([]);
  });

  it('drops an unpaid upgrade when the owner keeps the current plan, never a first payment', () => {
    given(subscriptionDecider, [checkoutStarted(), activated(), checkoutStarted(false, 'team', 'cs_2')]).when({ type: 'KeepCurrentPlan', workspaceId }).then([
      { type: 'subscription.checkout_abandoned', data: { workspace_id: 42, checkout_session_id: 'cs_2', first_payment: false } },
    ]);
    given(subscriptionDecider, [checkoutStarted()]).when({ type: 'KeepCurrentPlan', workspaceId }).then([]);
    given(subscriptionDecider, [checkoutStarted(), activated()]).when({ type: 'KeepCurrentPlan', workspaceId }).then([]);
  });
});

describe('what subscription events do to the workspace', () => {
  it('waits for a first payment, changes the plan on payment and at the end, suspends and reinstates by billing', () => {
    expect(workspaceEffectsOf(checkoutStarted(true))).toEqual([{ type: 'AwaitFirstPayment', planName: 'pro', billingCycle: 'monthly' }]);
    expect(workspaceEffectsOf(checkoutStarted(false))).toEqual([]);
    expect(workspaceEffectsOf({ type: 'subscription.checkout_abandoned', data: { workspace_id: 42, checkout_session_id: 'cs_1', first_payment: true } })).toEqual([
      { type: 'ChangePlan', planName: 'free', billingCycle: 'monthly', source: 'owner' },
    ]);
    expect(workspaceEffectsOf({ type: 'subscription.checkout_abandoned', data: { workspace_id: 42, checkout_session_id: 'cs_1', first_payment: false } })).toEqual([]);
    expect(workspaceEffectsOf(activated('team'))).toEqual([{ type: 'ChangePlan', planName: 'team', billingCycle: 'monthly', source: 'payment' }]);
    expect(workspaceEffectsOf(graceExpired('a', 'b'))).toEqual([{ type: 'SuspendWorkspace', by: 'billing', reason: expect.any(String) }]);
    expect(workspaceEffectsOf({ type: 'subscription.ended', data: { workspace_id: 42, provider_event_id: 'e', reinstate: true } })).toEqual([
      { type: 'ChangePlan', planName: 'free', billingCycle: 'monthly', source: 'cancellation' },
      { type: 'ReinstateWorkspace', by: 'billing', reason: expect.any(String) },
    ]);
  });
});
