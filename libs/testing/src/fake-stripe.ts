import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { api, type ApiResponse } from './users';

/**
 * A fake of the Stripe API, as a real HTTP server on loopback that the official `stripe` client talks to
 * (`STRIPE_API_BASE`). It keeps customers, checkout sessions and subscriptions in memory, answers in Stripe's
 * shapes, checks the secret key, and replays a repeated `Idempotency-Key`. Stripe's hosted checkout page does
 * not exist here: `POST /_fake/checkout/sessions/:id/complete` plays the payer, and the tests send the events
 * Stripe would send, signed with the library's own test helper. Invoice items (one-off charges such as a
 * period's overage) are kept per customer and shown by `GET /_fake/customers/:id/invoiceitems`.
 */
export interface FakeStripeServer {
  url: string;
  secretKey: string;
  webhookSecret: string;
  close(): Promise<void>;
}

type StripeObject = Record<string, unknown> & { id: string };

const DAY_SECONDS = 24 * 60 * 60;

function newId(prefix: string): string {
  return `${prefix}_test_${randomBytes(12).toString('hex')}`;
}

/** Stripe's form encoding: `a[b][0][c]=v` → `{ a: { b: [{ c: 'v' }] } }`. */
function parseForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = root;
    path.forEach((segment, index) => {
      if (index === path.length - 1) {
        node[segment] = value;
        return;
      }
      const next = path[index + 1];
      node[segment] ??= /^\d+$/.test(next) ? [] : {};
      node = node[segment] as Record<string, unknown>;
    });
  }
  return root;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startFakeStripe(): Promise<FakeStripeServer> {
  const secretKey = `sk_test_${randomBytes(16).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const customers = new Map<string, StripeObject>();
  const sessions = new Map<string, StripeObject>();
  const subscriptions = new Map<string, StripeObject>();
  const invoiceItems: StripeObject[] = [];
  const idempotent = new Map<string, { status: number; body: unknown }>();
  let url = '';

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req') });
    response.end(JSON.stringify(body));
  };
  const notFound = (kind: string, id: string) => ({ status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${kind}: '${id}'` } } });

  const route = (method: string, path: string, form: Record<string, unknown>): { status: number; body: unknown } => {
    const now = Math.floor(Date.now() / 1000);
    let match: RegExpMatchArray | null;
    if (method === 'POST' && path === '/v1/customers') {
      const customer: StripeObject = { id: newId('cus'), object: 'customer', created: now, name: form.name ?? null, metadata: form.metadata ?? {}, livemode: false };
      customers.set(customer.id, customer);
      return { status: 200, body: customer };
    }
    if (method === 'GET' && (match = path.match(/^\/v1\/customers\/([^/]+)$/))) {
      const customer = customers.get(match[1]);
      return customer ? { status: 200, body: customer } : notFound('customer', match[1]);
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const customer = typeof form.customer === 'string' ? customers.get(form.customer) : undefined;
      if (!customer) return notFound('customer', String(form.customer));
      const id = newId('cs');
      const session: StripeObject = {
        id,
        object: 'checkout.session',
        created: now,
        mode: form.mode ?? 'payment',
        status: 'open',
        payment_status: 'unpaid',
        customer: customer.id,
        client_reference_id: form.client_reference_id ?? null,
        metadata: form.metadata ?? {},
        line_items_requested: form.line_items ?? [],
        subscription_data: form.subscription_data ?? {},
        subscription: null,
        success_url: form.success_url ?? null,
        cancel_url: form.cancel_url ?? null,
        url: `${url}/pay/${id}`,
        livemode: false,
      };
      sessions.set(id, session);
      return { status: 200, body: session };
    }
    if (method === 'GET' && (match = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/))) {
      const session = sessions.get(match[1]);
      return session ? { status: 200, body: session } : notFound('checkout.session', match[1]);
    }
    if (method === 'POST' && (match = path.match(/^\/v1\/checkout\/sessions\/([^/]+)\/expire$/))) {
      const session = sessions.get(match[1]);
      if (!session) return notFound('checkout.session', match[1]);
      if (session.status !== 'open') {
        return { status: 400, body: { error: { type: 'invalid_request_error', message: `Only Checkout Sessions with a status of 'open' can be expired. This Checkout Session has a status of '${session.status}'.` } } };
      }
      session.status = 'expired';
      return { status: 200, body: session };
    }
    if ((match = path.match(/^\/v1\/subscriptions\/([^/]+)$/))) {
      const subscription = subscriptions.get(match[1]);
      if (!subscription) return notFound('subscription', match[1]);
      if (method === 'POST' && form.cancel_at_period_end !== undefined) subscription.cancel_at_period_end = form.cancel_at_period_end === 'true';
      if (method === 'DELETE') Object.assign(subscription, { status: 'canceled', canceled_at: now });
      return { status: 200, body: subscription };
    }
    if (method === 'POST' && path === '/v1/invoiceitems') {
      const customer = typeof form.customer === 'string' ? customers.get(form.customer) : undefined;
      if (!customer) return notFound('customer', String(form.customer));
      const amount = Number(form.amount);
      if (!Number.isInteger(amount) || typeof form.currency !== 'string') {
        return { status: 400, body: { error: { type: 'invalid_request_error', message: 'amount (an integer) and currency are required' } } };
      }
      const item: StripeObject = {
        id: newId('ii'),
        object: 'invoiceitem',
        date: now,
        customer: customer.id,
        amount,
        currency: form.currency,
        description: form.description ?? null,
        metadata: form.metadata ?? {},
        invoice: null,
        livemode: false,
      };
      invoiceItems.push(item);
      return { status: 200, body: item };
    }
    if (method === 'GET' && (match = path.match(/^\/_fake\/customers\/([^/]+)\/invoiceitems$/))) {
      const customerId = match[1];
      return { status: 200, body: { object: 'list', data: invoiceItems.filter((item) => item.customer === customerId) } };
    }
    // The payer completing the hosted checkout page.
    if (method === 'POST' && (match = path.match(/^\/_fake\/checkout\/sessions\/([^/]+)\/complete$/))) {
      const session = sessions.get(match[1]);
      if (!session) return notFound('checkout.session', match[1]);
      if (session.status !== 'open') return { status: 400, body: { error: { type: 'invalid_request_error', message: `the checkout session is ${session.status}` } } };
      const subscription: StripeObject = {
        id: newId('sub'),
        object: 'subscription',
        created: now,
        customer: session.customer,
        status: 'active',
        cancel_at_period_end: false,
        metadata: (session.subscription_data as { metadata?: unknown }).metadata ?? {},
        items: { object: 'list', data: [{ id: newId('si'), object: 'subscription_item', current_period_start: now, current_period_end: now + 30 * DAY_SECONDS }] },
        livemode: false,
      };
      subscriptions.set(subscription.id, subscription);
      Object.assign(session, { status: 'complete', payment_status: 'paid', subscription: subscription.id });
      return { status: 200, body: { session, subscription } };
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } } };
  };

  const server = createServer((request, response) => {
    void (async () => {
      const path = (request.url ?? '/').split('?')[0];
      if (!path.startsWith('/_fake/') && request.headers.authorization !== `Bearer ${secretKey}`) {
        send(response, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
        return;
      }
      const form = parseForm(await readBody(request));
      const key = request.headers['idempotency-key'];
      const remembered = typeof key === 'string' ? idempotent.get(`${request.method} ${path} ${key}`) : undefined;
      const answer = remembered ?? route(request.method ?? 'GET', path, form);
      if (typeof key === 'string' && !remembered) idempotent.set(`${request.method} ${path} ${key}`, answer);
      send(response, answer.status, answer.body);
    })().catch((error: unknown) => send(response, 500, { error: { type: 'api_error', message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the fake Stripe server has no port');
  url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    secretKey,
    webhookSecret,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The test run's fake Stripe as a test file sees it (started by the global setup). */
export interface FakeStripe {
  url: string;
  /** Plays the payer: completes the hosted checkout, creating the subscription. */
  completeCheckout(sessionId: string): Promise<{ session: StripeObject; subscription: StripeObject }>;
  getCheckoutSession(sessionId: string): Promise<StripeObject>;
  getSubscription(subscriptionId: string): Promise<StripeObject>;
  /** Every invoice item the fake received for a customer (each distinct one; an idempotent replay adds none). */
  invoiceItems(customerId: string): Promise<StripeObject[]>;
  /** A Stripe event around `object`, created at `created` (Unix seconds; default now). */
  event(type: string, object: Record<string, unknown>, created?: number): StripeObject;
  /** Sends a webhook to the gateway, signed like Stripe does (or with another secret / timestamp). */
  deliver(event: unknown, options?: { secret?: string; timestamp?: number; signature?: string }): Promise<ApiResponse>;
}

export function fakeStripe(): FakeStripe {
  const url = process.env.MNEMO_TEST_STRIPE_API_BASE;
  const secretKey = process.env.MNEMO_TEST_STRIPE_SECRET_KEY;
  const webhookSecret = process.env.MNEMO_TEST_STRIPE_WEBHOOK_SECRET;
  if (!url || !secretKey || !webhookSecret) throw new Error('the fake Stripe server is not running: run tests through `npm test`');
  const stripe = new Stripe(secretKey);
  const call = async (method: string, path: string): Promise<any> => {
    const response = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${secretKey}` } });
    const body = await response.json();
    if (!response.ok) throw new Error(`fake Stripe ${method} ${path}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    url,
    completeCheckout: (sessionId) => call('POST', `/_fake/checkout/sessions/${sessionId}/complete`),
    getCheckoutSession: (sessionId) => call('GET', `/v1/checkout/sessions/${sessionId}`),
    getSubscription: (subscriptionId) => call('GET', `/v1/subscriptions/${subscriptionId}`),
    invoiceItems: async (customerId) => (await call('GET', `/_fake/customers/${customerId}/invoiceitems`)).data,
    event(type, object, created = Math.floor(Date.now() / 1000)) {
      return { id: newId('evt'), object: 'event', api_version: '2025-01-01', created, type, livemode: false, pending_webhooks: 1, data: { object }, request: { id: null, idempotency_key: null } };
    },
    deliver(event, options = {}) {
      const payload = JSON.stringify(event);
      const signature =
        options.signature ??
        stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? webhookSecret, ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}) });
      return api('POST', '/v1/billing/stripe', { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
    },
  };
}
