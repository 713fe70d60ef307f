import { ConfigError } from './config';
import type { RouteAccess } from './scopes';
import type { BillingCycle, PlanName, WorkspaceCaller, WorkspaceStatus } from './workspaces';

/**
 * Plans, subscriptions and payments (workspaces service): the plan catalogue, a workspace's subscription and
 * the payment provider's webhook. Payments go through a `PaymentProvider` port; the Stripe adapter is the one
 * implementation (DESIGN.md "Payments").
 */
export const BILLING_RPC = {
  /** The plan catalogue of `GET /v1/plans`. */
  listPlans: 'listPlans',
  getSubscription: 'getSubscription',
  /** Choose a plan: a paid plan answers a checkout URL; free cancels the paid subscription at the period's end. */
  changeSubscription: 'changeSubscription',
  /** A payment-provider webhook, forwarded by the gateway with its raw body and signature header. */
  handleStripeWebhook: 'handleStripeWebhook',
} as const;

/** One plan as `GET /v1/plans` shows it. Prices in cents (USD); overage per 1,000 units past the included ones. */
export interface PlanResource {
  name: PlanName;
  prices: { monthly_cents: number; annual_cents: number } | null;
  included_units: { writes: number; retrieves: number; runs: number };
  overage_cents_per_thousand: { writes: number; retrieves: number; runs: number } | null;
  /** The most overage one usage period may cost; past it the workspace is `limit_reached`. */
  cost_cap_cents: number | null;
  requests_per_second: number;
  burst: number;
  max_api_keys: number;
  min_schedule_interval_minutes: number;
  sharing: boolean;
}

export interface ListPlansReply {
  plans: PlanResource[];
}

/**
 * A workspace's subscription. `plan_name` / `billing_cycle` are what the workspace runs on now; `pending_*`
 * and `checkout_url` describe a checkout that has not been paid yet; `cancel_at_period_end` means the paid
 * plan falls back to free when `current_period_end` passes.
 */
export interface SubscriptionResource {
  workspace_id: number;
  plan_name: PlanName;
  billing_cycle: BillingCycle;
  workspace_status: WorkspaceStatus;
  pending_plan_name: PlanName | null;
  pending_billing_cycle: BillingCycle | null;
  checkout_url: string | null;
  cancel_at_period_end: boolean;
  current_period_end: string | null;
  payment_failing_since: string | null;
}

/** Callers as the gateway authenticated them (`WorkspaceCaller` of workspaces.ts), with the path's workspace. */
export interface SubscriptionRequest {
  workspace_id: number;
  caller: WorkspaceCaller;
}
export interface ChangeSubscriptionRequest extends SubscriptionRequest {
  plan_name: PlanName;
  billing_cycle: BillingCycle;
}

/** The raw webhook body travels base64-encoded: its bytes are what the signature covers. */
export interface StripeWebhookRequest {
  payload_base64: string;
  signature: string;
}
export interface StripeWebhookReply {
  received: true;
  /** What became of the event: applied, a replay of an applied one, older than the last applied one, … */
  outcome: 'applied' | 'duplicate' | 'stale' | 'unknown_customer' | 'not_handled';
}

/**
 * The webhook body limit: base64 grows the body by a third, and the RPC carrying it must stay under NATS's
 * 1 MiB `max_payload`. Provider events are a few KiB.
 */
export const MAX_PAYMENT_WEBHOOK_BYTES = 512 * 1024;

export const BILLING_WEBHOOK_ROUTE = '/v1/billing/stripe';

/**
 * Route access: the catalogue and the webhook are public (the webhook authenticates by its signature). The
 * subscription routes are for users (sessions, or keys of that workspace): the workspaces service decides,
 * because an organization's billing_admin may manage a subscription without being a workspace member.
 */
export const BILLING_ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /v1/plans': { auth: 'public' },
  [`POST ${BILLING_WEBHOOK_ROUTE}`]: { auth: 'public' },
  'GET /v1/workspaces/:id/subscription': { auth: 'user' },
  'PUT /v1/workspaces/:id/subscription': { auth: 'user' },
};

// ---------------------------------------------------------------------------------------------------------
// Subscription events, stream `subscription-<workspace_id>`, owner id `workspaceId`, published on
// `<prefix>.workspaces.subscription.<event>`. Provider ids (customer, subscription, checkout session) are
// opaque references, never secrets.
// ---------------------------------------------------------------------------------------------------------

/** A checkout was opened; `first_payment` when the workspace waits in pending_payment for it. */
export interface SubscriptionCheckoutStarted {
  workspace_id: number;
  plan_name: PlanName;
  billing_cycle: BillingCycle;
  customer_id: string;
  checkout_session_id: string;
  checkout_url: string;
  first_payment: boolean;
}
/** The checkout was paid: the workspace moves to the plan. */
export interface SubscriptionActivated {
  workspace_id: number;
  plan_name: PlanName;
  billing_cycle: BillingCycle;
  customer_id: string;
  subscription_id: string | null;
  checkout_session_id: string;
  provider_event_id: string;
  /** An upgrade's new subscription replaces the old one, which is then cancelled at the provider. */
  replaced_subscription_id: string | null;
}
export interface SubscriptionPaymentFailed {
  workspace_id: number;
  /** The first failure of this run of failures. */
  failing_since: string;
  grace_ends_at: string;
  provider_event_id: string;
}
/** The grace period after a failed payment ended unpaid: the workspace is suspended by billing. */
export interface SubscriptionGraceExpired {
  workspace_id: number;
  failing_since: string;
  grace_ended_at: string;
}
export interface SubscriptionPaymentRecovered {
  workspace_id: number;
  provider_event_id: string;
  /** True when the grace had expired, so the workspace is reinstated. */
  reinstate: boolean;
  current_period_end: string | null;
}
export interface SubscriptionRenewed {
  workspace_id: number;
  current_period_end: string;
  provider_event_id: string;
}
export interface SubscriptionCancellationScheduled {
  workspace_id: number;
  /** When the paid plan ends (the provider's current period end), if known. */
  cancel_at: string | null;
  requested_by: 'owner' | 'provider';
}
export interface SubscriptionCancellationWithdrawn {
  workspace_id: number;
}
/** The paid subscription is over: the workspace is back on free. */
export interface SubscriptionEnded {
  workspace_id: number;
  provider_event_id: string;
  /** True when billing had suspended the workspace: on free there is nothing left to owe. */
  reinstate: boolean;
}
/** An unpaid checkout was given up (the owner chose free, or the current plan, before paying). */
export interface SubscriptionCheckoutAbandoned {
  workspace_id: number;
  checkout_session_id: string;
  /** The workspace was waiting in pending_payment for it: the wait ends, on free. */
  first_payment: boolean;
}

export type SubscriptionEvent =
  | { type: 'subscription.checkout_started'; data: SubscriptionCheckoutStarted }
  | { type: 'subscription.checkout_abandoned'; data: SubscriptionCheckoutAbandoned }
  | { type: 'subscription.activated'; data: SubscriptionActivated }
  | { type: 'subscription.payment_failed'; data: SubscriptionPaymentFailed }
  | { type: 'subscription.grace_expired'; data: SubscriptionGraceExpired }
  | { type: 'subscription.payment_recovered'; data: SubscriptionPaymentRecovered }
  | { type: 'subscription.renewed'; data: SubscriptionRenewed }
  | { type: 'subscription.cancellation_scheduled'; data: SubscriptionCancellationScheduled }
  | { type: 'subscription.cancellation_withdrawn'; data: SubscriptionCancellationWithdrawn }
  | { type: 'subscription.ended'; data: SubscriptionEnded };

/** Payment settings of the workspaces service, validated at start. */
export interface BillingConfig {
  /** Without it, paid plans cannot be bought (PUT subscription to a paid plan answers 503). */
  stripeSecretKey?: string;
  stripeWebhookSecret?: string;
  /** Points the Stripe client at another host (tests: a fake on loopback). */
  stripeApiBase?: string;
  /** Days a failed payment may stay unpaid before the workspace is suspended. */
  graceDays: number;
  /** How often the service looks for grace periods that ended without any provider event. */
  graceSweepIntervalMs: number;
  /** Where the provider's checkout page sends the payer back. */
  publicUrl: string;
}

export function loadBillingConfig(env: NodeJS.ProcessEnv = process.env): BillingConfig {
  const graceDays = readNumber(env, 'BILLING_GRACE_DAYS', 7, (value) => value >= 0);
  const graceSweepIntervalMs = readNumber(env, 'BILLING_GRACE_SWEEP_MS', 60_000, (value) => Number.isInteger(value) && value > 0);
  const stripeApiBase = env.STRIPE_API_BASE || undefined;
  if (stripeApiBase) {
    let url: URL;
    try {
      url = new URL(stripeApiBase);
    } catch {
      throw new ConfigError('STRIPE_API_BASE', `must be a URL, got "${stripeApiBase}"`);
    }
    if (!['http:', 'https:'].includes(url.protocol)) throw new ConfigError('STRIPE_API_BASE', 'must use http: or https:');
  }
  const stripeSecretKey = env.STRIPE_SECRET_KEY || undefined;
  const stripeWebhookSecret = env.STRIPE_WEBHOOK_SECRET || undefined;
  if (stripeSecretKey && !stripeWebhookSecret) throw new ConfigError('STRIPE_WEBHOOK_SECRET', 'is required with STRIPE_SECRET_KEY');
  return {
    stripeSecretKey,
    stripeWebhookSecret,
    stripeApiBase,
    graceDays,
    graceSweepIntervalMs,
    publicUrl: env.PUBLIC_URL || `http://127.0.0.1:${env.PORT || 3000}`,
  };
}

function readNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, valid: (value: number) => boolean): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !valid(value)) throw new ConfigError(name, `must be a non-negative number, got "${raw}"`);
  return value;
}
