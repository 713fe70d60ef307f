import { type BillingCycle, type PlanName, type SubscriptionEvent } from '@mnemo/contracts';
import type { Decider } from '../decider';
import type { PaymentEvent } from './payment-provider';
import { evolveSubscription, initialSubscriptionState, type SubscriptionState } from './subscription.evolve';

/** One stream per workspace's subscription. */
export function subscriptionStreamId(workspaceId: number): string {
  return `subscription-${workspaceId}`;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export type SubscriptionCommand =
  | {
      type: 'StartCheckout';
      workspaceId: number;
      planName: PlanName;
      billingCycle: BillingCycle;
      customerId: string;
      checkoutSessionId: string;
      checkoutUrl: string;
      /** The workspace waits in pending_payment for this checkout (a new workspace, see README). */
      firstPayment: boolean;
    }
  /** The owner chose the paid plan the workspace is already on: an unpaid upgrade checkout is dropped. */
  | { type: 'KeepCurrentPlan'; workspaceId: number }
  /** The owner chose free: a paid subscription ends at its period's end, an unpaid checkout is dropped. */
  | { type: 'ChooseFree'; workspaceId: number; cancelAt: string | null }
  /** A verified provider event that is neither a replay nor stale. `now` is the time it is applied. */
  | { type: 'ApplyPaymentEvent'; workspaceId: number; event: PaymentEvent; now: string; graceDays: number }
  /** The periodic sweep: a failed payment's grace ended without any provider event. */
  | { type: 'ExpireGrace'; workspaceId: number; now: string };

export function decideSubscription(command: SubscriptionCommand, state: SubscriptionState): SubscriptionEvent[] {
  const workspace_id = command.workspaceId;
  switch (command.type) {
    case 'StartCheckout':
      return [
        {
          type: 'subscription.checkout_started',
          data: {
            workspace_id,
            plan_name: command.planName,
            billing_cycle: command.billingCycle,
            customer_id: command.customerId,
            checkout_session_id: command.checkoutSessionId,
            checkout_url: command.checkoutUrl,
            first_payment: command.firstPayment,
          },
        },
      ];
    case 'ChooseFree': {
      const events: SubscriptionEvent[] = [];
      if (state.pendingCheckout) {
        const { checkoutSessionId, firstPayment } = state.pendingCheckout;
        events.push({ type: 'subscription.checkout_abandoned', data: { workspace_id, checkout_session_id: checkoutSessionId, first_payment: firstPayment } });
      }
      if (state.paidPlan && !state.cancelAtPeriodEnd) {
        events.push({ type: 'subscription.cancellation_scheduled', data: { workspace_id, cancel_at: command.cancelAt, requested_by: 'owner' } });
      }
      return events;
    }
    case 'KeepCurrentPlan':
      if (!state.pendingCheckout || state.pendingCheckout.firstPayment) return [];
      return [{ type: 'subscription.checkout_abandoned', data: { workspace_id, checkout_session_id: state.pendingCheckout.checkoutSessionId, first_payment: false } }];
    case 'ExpireGrace':
      return graceExpiry(state, workspace_id, command.now);
    case 'ApplyPaymentEvent':
      return applyPaymentEvent(state, command);
  }
}

function graceExpiry(state: SubscriptionState, workspace_id: number, now: string): SubscriptionEvent[] {
  if (!state.paymentFailingSince || !state.graceEndsAt || state.graceExpired) return [];
  if (Date.parse(now) < Date.parse(state.graceEndsAt)) return [];
  return [{ type: 'subscription.grace_expired', data: { workspace_id, failing_since: state.paymentFailingSince, grace_ended_at: state.graceEndsAt } }];
}

function applyPaymentEvent(state: SubscriptionState, command: Extract<SubscriptionCommand, { type: 'ApplyPaymentEvent' }>): SubscriptionEvent[] {
  const { event, workspaceId: workspace_id } = command;
  const provider_event_id = event.id;
  switch (event.kind) {
    case 'checkout_completed': {
      const pending = state.pendingCheckout;
      // Only the checkout this workspace opened decides its plan; an unpaid one waits for its payment.
      if (!pending || pending.checkoutSessionId !== event.checkoutSessionId || !event.paid) return [];
      return [
        {
          type: 'subscription.activated',
          data: {
            workspace_id,
            plan_name: pending.planName,
            billing_cycle: pending.billingCycle,
            customer_id: event.customerId ?? state.customerId ?? '',
            subscription_id: event.subscriptionId,
            checkout_session_id: pending.checkoutSessionId,
            provider_event_id,
            replaced_subscription_id: state.subscriptionId !== null && state.subscriptionId !== event.subscriptionId ? state.subscriptionId : null,
          },
        },
      ];
    }
    case 'payment_failed': {
      if (!state.paidPlan || !isCurrentSubscription(state, event.subscriptionId)) return [];
      const events: SubscriptionEvent[] = [];
      let failing: SubscriptionState = state;
      if (!state.paymentFailingSince) {
        const failingSince = event.occurredAt;
        const graceEndsAt = new Date(Date.parse(failingSince) + command.graceDays * DAY_MS).toISOString();
        const failed: SubscriptionEvent = { type: 'subscription.payment_failed', data: { workspace_id, failing_since: failingSince, grace_ends_at: graceEndsAt, provider_event_id } };
        events.push(failed);
        failing = evolveSubscription(state, failed);
      }
      // The provider retries and reports each failure; the grace counts from the first one.
      const latest = Math.max(Date.parse(command.now), Date.parse(event.occurredAt));
      return [...events, ...graceExpiry(failing, workspace_id, new Date(latest).toISOString())];
    }
    case 'payment_succeeded': {
      if (!state.paidPlan || !isCurrentSubscription(state, event.subscriptionId)) return [];
      if (state.paymentFailingSince) {
        return [{ type: 'subscription.payment_recovered', data: { workspace_id, provider_event_id, reinstate: state.graceExpired, current_period_end: event.periodEnd } }];
      }
      if (event.periodEnd && event.periodEnd !== state.currentPeriodEnd) {
        return [{ type: 'subscription.renewed', data: { workspace_id, current_period_end: event.periodEnd, provider_event_id } }];
      }
      return [];
    }
    case 'subscription_updated': {
      if (!state.paidPlan || !isCurrentSubscription(state, event.subscriptionId)) return [];
      if (event.cancelAtPeriodEnd && !state.cancelAtPeriodEnd) {
        return [{ type: 'subscription.cancellation_scheduled', data: { workspace_id, cancel_at: event.currentPeriodEnd, requested_by: 'provider' } }];
      }
      if (!event.cancelAtPeriodEnd && state.cancelAtPeriodEnd) return [{ type: 'subscription.cancellation_withdrawn', data: { workspace_id } }];
      if (event.currentPeriodEnd && event.currentPeriodEnd !== state.currentPeriodEnd) {
        return [{ type: 'subscription.renewed', data: { workspace_id, current_period_end: event.currentPeriodEnd, provider_event_id } }];
      }
      return [];
    }
    case 'subscription_ended': {
      if (!state.paidPlan || !isCurrentSubscription(state, event.subscriptionId)) return [];
      return [{ type: 'subscription.ended', data: { workspace_id, provider_event_id, reinstate: state.graceExpired } }];
    }
    case 'other':
      return [];
  }
}

/** Events about a subscription this workspace no longer has (an old one replaced by an upgrade) change nothing. */
function isCurrentSubscription(state: SubscriptionState, subscriptionId: string | null): boolean {
  return subscriptionId === null || state.subscriptionId === null || state.subscriptionId === subscriptionId;
}

export const subscriptionDecider: Decider<SubscriptionCommand, SubscriptionState, SubscriptionEvent> = {
  initialState: initialSubscriptionState,
  decide: decideSubscription,
  evolve: evolveSubscription,
};
