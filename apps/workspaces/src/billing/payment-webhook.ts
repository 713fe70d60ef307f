import type { EntityManager } from '@mikro-orm/postgresql';
import type { StripeWebhookReply, SubscriptionEvent } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { asDomainEvent } from '../decider';
import type { PaymentEvent } from './payment-provider';
import { decideOnSubscription } from './subscription.commands';

const ACTOR = 'system:billing';

export interface AppliedPaymentEvent {
  outcome: StripeWebhookReply['outcome'];
  /** A subscription an upgrade replaced: to be cancelled at the provider once this commits. */
  replacedSubscriptionId?: string | null;
}

/**
 * Applies one verified provider event, in one transaction: the deduplication row (a replayed event id finds
 * it and changes nothing), the customer's workspace (an unknown customer is acknowledged and ignored, never
 * matched to a workspace by anything the event itself claims), the stale check against the last applied
 * event's time (kept on the customer row, locked, so a workspace's events apply one at a time), then the
 * subscription decision and its effects on the workspace.
 */
export async function applyPaymentEvent(
  em: EntityManager,
  store: EventStore,
  provider: string,
  event: PaymentEvent,
  options: { graceDays: number; now: Date },
): Promise<AppliedPaymentEvent> {
  const claimed = await em.execute<{ event_id: string }[]>(
    `INSERT INTO billing_provider_events (provider, event_id, event_type, outcome, occurred_at) VALUES (?, ?, ?, 'not_handled', ?)
     ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id`,
    [provider, event.id, event.providerType, new Date(event.occurredAt)],
  );
  if (claimed.length === 0) return { outcome: 'duplicate' };
  const record = (outcome: StripeWebhookReply['outcome'], workspaceId: number | null) =>
    em.execute('UPDATE billing_provider_events SET outcome = ?, workspace_id = ? WHERE provider = ? AND event_id = ?', [outcome, workspaceId, provider, event.id]);

  if (event.kind === 'other' || !event.customerId) return { outcome: 'not_handled' };
  const [customer] = await em.execute<{ workspace_id: number; last_event_at: Date | null }[]>(
    'SELECT workspace_id, last_event_at FROM billing_customers WHERE provider = ? AND customer_id = ?',
    [provider, event.customerId],
  );
  if (!customer) {
    await record('unknown_customer', null);
    return { outcome: 'unknown_customer' };
  }
  const workspaceId = customer.workspace_id;
  // The workspace lock first (the order every workspace command takes), then the customer row. A deleted
  // workspace has nothing left to bill: its events are acknowledged.
  const workspace = await em.execute('SELECT workspace_id FROM workspaces WHERE workspace_id = ? FOR UPDATE', [workspaceId]);
  if (workspace.length === 0) {
    await record('not_handled', workspaceId);
    return { outcome: 'not_handled' };
  }
  const [locked] = await em.execute<{ last_event_at: Date | null }[]>('SELECT last_event_at FROM billing_customers WHERE workspace_id = ? FOR UPDATE', [workspaceId]);
  const occurredAt = new Date(event.occurredAt);
  // A checkout's completion is exempt: it names the one checkout it completes (a completion of a checkout that
  // is no longer open changes nothing), and the provider often reports the first invoice before it.
  const stale = event.kind !== 'checkout_completed' && locked.last_event_at !== null && occurredAt.getTime() < new Date(locked.last_event_at).getTime();
  if (stale) {
    await record('stale', workspaceId);
    return { outcome: 'stale' };
  }
  await em.execute('UPDATE billing_customers SET last_event_at = GREATEST(coalesce(last_event_at, ?), ?) WHERE workspace_id = ?', [occurredAt, occurredAt, workspaceId]);
  const appended = await decideOnSubscription(
    em,
    store,
    workspaceId,
    { type: 'ApplyPaymentEvent', workspaceId, event, now: options.now.toISOString(), graceDays: options.graceDays },
    ACTOR,
  );
  await record('applied', workspaceId);
  const activation = appended.map((envelope) => asDomainEvent<SubscriptionEvent>(envelope)).find((e) => e.type === 'subscription.activated');
  return { outcome: 'applied', replacedSubscriptionId: activation?.data.replaced_subscription_id ?? null };
}
