import Stripe from 'stripe';
import { StripePaymentProvider } from './stripe-payment-provider';
import { WebhookSignatureInvalid } from './payment-provider';

const secret = 'whsec_unit_test_secret';
// No request leaves this test: parseWebhook verifies and reads locally.
const provider = new StripePaymentProvider('sk_test_unit', secret, 'http://127.0.0.1:9');
const signer = new Stripe('sk_test_unit');

function signed(type: string, object: Record<string, unknown>, options: { created?: number; timestamp?: number; secret?: string } = {}) {
  const payload = JSON.stringify({ id: 'evt_unit_1', object: 'event', created: options.created ?? 1_767_225_600, type, data: { object } });
  const header = signer.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? secret, ...(options.timestamp ? { timestamp: options.timestamp } : {}) });
  return { body: Buffer.from(payload), header };
}

describe('the Stripe adapter reading webhooks', () => {
  it('reads the facts the billing flow acts on, with the event id and time', () => {
    const completed = signed('checkout.session.completed', { id: 'cs_1', object: 'checkout.session', customer: 'cus_1', subscription: 'sub_1', payment_status: 'paid' });
    expect(provider.parseWebhook(completed.body, completed.header)).toEqual({
      id: 'evt_unit_1',
      occurredAt: '2026-01-01T00:00:00.000Z',
      providerType: 'checkout.session.completed',
      kind: 'checkout_completed',
      customerId: 'cus_1',
      checkoutSessionId: 'cs_1',
      subscriptionId: 'sub_1',
      paid: true,
    });
    const unpaid = signed('checkout.session.completed', { id: 'cs_1', object: 'checkout.session', customer: { id: 'cus_1' }, subscription: null, payment_status: 'unpaid' });
    expect(provider.parseWebhook(unpaid.body, unpaid.header)).toMatchObject({ kind: 'checkout_completed', customerId: 'cus_1', paid: false });
  });

  it("finds an invoice's subscription where newer and older API versions put it", () => {
    const newer = signed('invoice.payment_failed', { id: 'in_1', object: 'invoice', customer: 'cus_1', parent: { subscription_details: { subscription: 'sub_new' } } });
    expect(provider.parseWebhook(newer.body, newer.header)).toMatchObject({ kind: 'payment_failed', customerId: 'cus_1', subscriptionId: 'sub_new' });
    const older = signed('invoice.paid', { id: 'in_2', object: 'invoice', customer: 'cus_1', subscription: 'sub_old', period_end: 1_769_904_000 });
    expect(provider.parseWebhook(older.body, older.header)).toMatchObject({ kind: 'payment_succeeded', subscriptionId: 'sub_old', periodEnd: '2026-02-01T00:00:00.000Z' });
  });

  it("reads a subscription's cancellation and period end from its items or from itself", () => {
    const items = signed('customer.subscription.updated', {
      id: 'sub_1',
      object: 'subscription',
      customer: 'cus_1',
      cancel_at_period_end: true,
      items: { data: [{ current_period_end: 1_769_904_000 }] },
    });
    expect(provider.parseWebhook(items.body, items.header)).toMatchObject({ kind: 'subscription_updated', cancelAtPeriodEnd: true, currentPeriodEnd: '2026-02-01T00:00:00.000Z' });
    const legacy = signed('customer.subscription.updated', { id: 'sub_1', object: 'subscription', customer: 'cus_1', cancel_at_period_end: false, current_period_end: 1_769_904_000 });
    expect(provider.parseWebhook(legacy.body, legacy.header)).toMatchObject({ cancelAtPeriodEnd: false, currentPeriodEnd: '2026-02-01T00:00:00.000Z' });
    const deleted = signed('customer.subscription.deleted', { id: 'sub_1', object: 'subscription', customer: 'cus_1' });
    expect(provider.parseWebhook(deleted.body, deleted.header)).toMatchObject({ kind: 'subscription_ended', subscriptionId: 'sub_1' });
  });

  it('answers other event types as facts it does not act on', () => {
    const other = signed('customer.created', { id: 'cus_1', object: 'customer' });
    expect(provider.parseWebhook(other.body, other.header)).toMatchObject({ kind: 'other', providerType: 'customer.created', customerId: null });
  });

  it('refuses a wrong secret, a changed body, a stale timestamp and a malformed header', () => {
    const event = signed('invoice.paid', { id: 'in_1', object: 'invoice', customer: 'cus_1' });
    const wrongSecret = signed('invoice.paid', { id: 'in_1', object: 'invoice', customer: 'cus_1' }, { secret: 'whsec_other' });
    const stale = signed('invoice.paid', { id: 'in_1', object: 'invoice', customer: 'cus_1' }, { timestamp: Math.floor(Date.now() / 1000) - 301 - 60 });
    expect(() => provider.parseWebhook(wrongSecret.body, wrongSecret.header)).toThrow(WebhookSignatureInvalid);
    expect(() => provider.parseWebhook(Buffer.from(event.body.toString().replace('cus_1', 'cus_2')), event.header)).toThrow(WebhookSignatureInvalid);
    expect(() => provider.parseWebhook(stale.body, stale.header)).toThrow(WebhookSignatureInvalid);
    expect(() => provider.parseWebhook(event.body, 'garbage')).toThrow(WebhookSignatureInvalid);
    expect(() => provider.parseWebhook(event.body, event.header)).not.toThrow();
  });
});
