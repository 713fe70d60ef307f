import Stripe from 'stripe';
import type { BillingConfig } from '@mnemo/contracts';
import { WebhookSignatureInvalid, type CheckoutRequest, type InvoiceItemRequest, type PaymentEvent, type PaymentFact, type PaymentProvider } from './payment-provider';

/** Stripe's own default tolerance: a signature older than 5 minutes is a replay. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The PaymentProvider on the official `stripe` package. `STRIPE_API_BASE` points the client at another host
 * (protocol, host and port), which is how tests reach the fake Stripe server on loopback.
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe';
  private readonly stripe: Stripe;

  constructor(
    secretKey: string,
    private readonly webhookSecret: string,
    apiBase?: string,
  ) {
    const base = apiBase ? new URL(apiBase) : undefined;
    this.stripe = new Stripe(secretKey, {
      maxNetworkRetries: 2,
      timeout: 10_000,
      ...(base
        ? {
            protocol: base.protocol === 'http:' ? 'http' : 'https',
            host: base.hostname,
            port: base.port ? Number(base.port) : base.protocol === 'http:' ? 80 : 443,
          }
        : {}),
    });
  }

  static fromConfig(config: BillingConfig): StripePaymentProvider | undefined {
    if (!config.stripeSecretKey || !config.stripeWebhookSecret) return undefined;
    return new StripePaymentProvider(config.stripeSecretKey, config.stripeWebhookSecret, config.stripeApiBase);
  }

  async createCustomer(input: { workspaceId: number; workspaceName: string }): Promise<{ customerId: string }> {
    const customer = await this.stripe.customers.create(
      { name: input.workspaceName, metadata: { workspace_id: String(input.workspaceId) } },
      // One customer per workspace even when a retry repeats the call.
      { idempotencyKey: `customer-for-workspace-${input.workspaceId}` },
    );
    return { customerId: customer.id };
  }

  async createCheckout(input: CheckoutRequest): Promise<{ checkoutSessionId: string; url: string }> {
    const metadata = { workspace_id: String(input.workspaceId), plan_name: input.planName, billing_cycle: input.billingCycle };
    const session = await this.stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: input.customerId,
      client_reference_id: String(input.workspaceId),
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: 'usd',
            unit_amount: input.priceCents,
            recurring: { interval: input.billingCycle === 'annual' ? 'year' : 'month' },
            product_data: { name: `Mnemo ${input.planName} (${input.billingCycle})` },
          },
        },
      ],
      metadata,
      subscription_data: { metadata },
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
    });
    if (!session.url) throw new Error('the payment provider answered a checkout session without a URL');
    return { checkoutSessionId: session.id, url: session.url };
  }

  async cancelAtPeriodEnd(subscriptionId: string): Promise<{ cancelAt: string | null }> {
    const subscription = await this.stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    return { cancelAt: isoOrNull(periodEndOf(subscription)) };
  }

  async expireCheckout(checkoutSessionId: string): Promise<void> {
    await this.stripe.checkout.sessions.expire(checkoutSessionId);
  }

  async cancelNow(subscriptionId: string): Promise<void> {
    await this.stripe.subscriptions.cancel(subscriptionId);
  }

  async createInvoiceItem(input: InvoiceItemRequest): Promise<{ invoiceItemId: string }> {
    const item = await this.stripe.invoiceItems.create(
      { customer: input.customerId, amount: input.amountCents, currency: input.currency, description: input.description, metadata: input.metadata },
      { idempotencyKey: input.idempotencyKey },
    );
    return { invoiceItemId: item.id };
  }

  parseWebhook(rawBody: Buffer, signature: string): PaymentEvent {
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, this.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
    } catch (error) {
      throw new WebhookSignatureInvalid(error instanceof Error ? error.message : 'invalid signature');
    }
    return { id: event.id, occurredAt: new Date(event.created * 1000).toISOString(), providerType: event.type, ...factOf(event) };
  }
}

function factOf(event: Stripe.Event): { customerId: string | null } & PaymentFact {
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      return {
        kind: 'checkout_completed',
        customerId: idOf(session.customer),
        checkoutSessionId: session.id,
        subscriptionId: idOf(session.subscription),
        paid: session.payment_status === 'paid' || session.payment_status === 'no_payment_required',
      };
    }
    case 'invoice.paid':
      return { kind: 'payment_succeeded', customerId: idOf(event.data.object.customer), subscriptionId: subscriptionOfInvoice(event.data.object), periodEnd: isoOrNull(event.data.object.period_end) };
    case 'invoice.payment_failed':
      return { kind: 'payment_failed', customerId: idOf(event.data.object.customer), subscriptionId: subscriptionOfInvoice(event.data.object) };
    case 'customer.subscription.updated': {
      const subscription = event.data.object;
      return {
        kind: 'subscription_updated',
        customerId: idOf(subscription.customer),
        subscriptionId: subscription.id,
        cancelAtPeriodEnd: subscription.cancel_at_period_end === true,
        currentPeriodEnd: isoOrNull(periodEndOf(subscription)),
      };
    }
    case 'customer.subscription.deleted':
      return { kind: 'subscription_ended', customerId: idOf(event.data.object.customer), subscriptionId: event.data.object.id };
    default: {
      const object = (event.data as { object?: { customer?: unknown } }).object;
      return { kind: 'other', customerId: idOf(object?.customer) };
    }
  }
}

/** Expandable fields arrive as an id or as the object. */
function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  return null;
}

/** API versions moved the invoice's subscription under `parent.subscription_details`; read either place. */
function subscriptionOfInvoice(invoice: Stripe.Invoice): string | null {
  const parent = (invoice as { parent?: { subscription_details?: { subscription?: unknown } | null } | null }).parent;
  return idOf(parent?.subscription_details?.subscription) ?? idOf((invoice as { subscription?: unknown }).subscription);
}

/** The period end lives on the subscription's items in newer API versions, on the subscription in older ones. */
function periodEndOf(subscription: Stripe.Subscription): number | null {
  const item = subscription.items?.data?.[0] as { current_period_end?: number } | undefined;
  return item?.current_period_end ?? (subscription as { current_period_end?: number }).current_period_end ?? null;
}

function isoOrNull(seconds: number | null | undefined): string | null {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : null;
}
