import type { BillingCycle, PlanName } from '@mnemo/contracts';

/**
 * The payment provider as the billing flow needs it (DESIGN.md "Payments"): customers mapped to workspaces,
 * hosted checkout for a paid plan, cancellation at the period's end, and signed webhooks turned into
 * provider-neutral `PaymentEvent`s. The Stripe adapter is the one implementation; tests run it against a fake
 * Stripe-compatible server on loopback.
 */
export interface PaymentProvider {
  readonly name: string;
  createCustomer(input: { workspaceId: number; workspaceName: string }): Promise<{ customerId: string }>;
  createCheckout(input: CheckoutRequest): Promise<{ checkoutSessionId: string; url: string }>;
  /** The subscription stays paid until its period ends, then the provider ends it (and tells us by webhook). */
  cancelAtPeriodEnd(subscriptionId: string): Promise<{ cancelAt: string | null }>;
  /** Closes an open checkout so it can no longer be paid; fails when it was completed meanwhile. */
  expireCheckout(checkoutSessionId: string): Promise<void>;
  /** Ends a subscription at once (the one an upgrade replaced). */
  cancelNow(subscriptionId: string): Promise<void>;
  /**
   * Adds a one-off charge to the customer's next invoice (a period's overage). The idempotency key makes a
   * repeated call (a retry after a lost answer, another replica) the same charge, never a second one.
   */
  createInvoiceItem(input: InvoiceItemRequest): Promise<{ invoiceItemId: string }>;
  /**
   * Verifies the signature over the raw body (and the timestamp's tolerance) and reads the event; throws
   * `WebhookSignatureInvalid` when either fails.
   */
  parseWebhook(rawBody: Buffer, signature: string): PaymentEvent;
}

export interface CheckoutRequest {
  workspaceId: number;
  customerId: string;
  planName: PlanName;
  billingCycle: BillingCycle;
  priceCents: number;
  successUrl: string;
  cancelUrl: string;
}

export interface InvoiceItemRequest {
  customerId: string;
  amountCents: number;
  currency: 'usd';
  description: string;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export class WebhookSignatureInvalid extends Error {}

/** What happened at the provider, in the billing flow's words. Times are ISO 8601 UTC. */
export type PaymentEvent = {
  /** The provider's event id: the deduplication key. */
  id: string;
  /** When the provider created the event: events older than the last applied one are stale. */
  occurredAt: string;
  /** The provider's type name, for the record. */
  providerType: string;
  customerId: string | null;
} & PaymentFact;

export type PaymentFact =
  | { kind: 'checkout_completed'; checkoutSessionId: string; subscriptionId: string | null; paid: boolean }
  | { kind: 'payment_succeeded'; subscriptionId: string | null; periodEnd: string | null }
  | { kind: 'payment_failed'; subscriptionId: string | null }
  | { kind: 'subscription_updated'; subscriptionId: string; cancelAtPeriodEnd: boolean; currentPeriodEnd: string | null }
  | { kind: 'subscription_ended'; subscriptionId: string }
  /** An event type the billing flow does not act on: acknowledged and recorded. */
  | { kind: 'other' };
