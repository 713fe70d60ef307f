import type { BillingCycle, PlanName, SubscriptionEvent } from '@mnemo/contracts';

/**
 * A workspace's subscription at the payment provider, as far as the billing flow acts on it. The plan the
 * workspace runs on lives in the Workspace aggregate; this one remembers what was bought and what is owed.
 */
export interface SubscriptionState {
  workspaceId: number | null;
  customerId: string | null;
  subscriptionId: string | null;
  /** The paid plan currently paid for; null on free. */
  paidPlan: { planName: PlanName; billingCycle: BillingCycle } | null;
  /** A checkout not paid yet. */
  pendingCheckout: { planName: PlanName; billingCycle: BillingCycle; checkoutSessionId: string; checkoutUrl: string; firstPayment: boolean } | null;
  everPaid: boolean;
  cancelAtPeriodEnd: boolean;
  currentPeriodEnd: string | null;
  paymentFailingSince: string | null;
  graceEndsAt: string | null;
  /** The grace ended unpaid and the workspace was suspended by billing. */
  graceExpired: boolean;
}

export const initialSubscriptionState: SubscriptionState = {
  workspaceId: null,
  customerId: null,
  subscriptionId: null,
  paidPlan: null,
  pendingCheckout: null,
  everPaid: false,
  cancelAtPeriodEnd: false,
  currentPeriodEnd: null,
  paymentFailingSince: null,
  graceEndsAt: null,
  graceExpired: false,
};

export function evolveSubscription(state: SubscriptionState, event: SubscriptionEvent): SubscriptionState {
  switch (event.type) {
    case 'subscription.checkout_started':
      return {
        ...state,
        workspaceId: event.data.workspace_id,
        customerId: event.data.customer_id,
        pendingCheckout: {
          planName: event.data.plan_name,
          billingCycle: event.data.billing_cycle,
          checkoutSessionId: event.data.checkout_session_id,
          checkoutUrl: event.data.checkout_url,
          firstPayment: event.data.first_payment,
        },
      };
    case 'subscription.checkout_abandoned':
      return { ...state, pendingCheckout: null };
    case 'subscription.activated':
      return {
        ...state,
        workspaceId: event.data.workspace_id,
        customerId: event.data.customer_id,
        subscriptionId: event.data.subscription_id,
        paidPlan: { planName: event.data.plan_name, billingCycle: event.data.billing_cycle },
        pendingCheckout: null,
        everPaid: true,
        cancelAtPeriodEnd: false,
        paymentFailingSince: null,
        graceEndsAt: null,
        graceExpired: false,
      };
    case 'subscription.payment_failed':
      return { ...state, paymentFailingSince: event.data.failing_since, graceEndsAt: event.data.grace_ends_at };
    case 'subscription.grace_expired':
      return { ...state, graceExpired: true };
    case 'subscription.payment_recovered':
      return {
        ...state,
        paymentFailingSince: null,
        graceEndsAt: null,
        graceExpired: false,
        currentPeriodEnd: event.data.current_period_end ?? state.currentPeriodEnd,
      };
    case 'subscription.renewed':
      return { ...state, currentPeriodEnd: event.data.current_period_end };
    case 'subscription.cancellation_scheduled':
      return { ...state, cancelAtPeriodEnd: true, currentPeriodEnd: event.data.cancel_at ?? state.currentPeriodEnd };
    case 'subscription.cancellation_withdrawn':
      return { ...state, cancelAtPeriodEnd: false };
    case 'subscription.ended':
      return {
        ...state,
        subscriptionId: null,
        paidPlan: null,
        cancelAtPeriodEnd: false,
        currentPeriodEnd: null,
        paymentFailingSince: null,
        graceEndsAt: null,
        graceExpired: false,
      };
  }
}
