import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { BillingCycle, EventEnvelope, PlanName, SubscriptionEvent } from '@mnemo/contracts';
import { asDomainEvent } from '../decider';
import { evolveSubscription, initialSubscriptionState, type SubscriptionState } from './subscription.evolve';

/** Read model of each workspace's subscription, written in the transaction that appends its events. */
@Entity({ tableName: 'subscriptions' })
export class SubscriptionRecord {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  workspaceId!: number;

  @Property({ type: 'text', nullable: true })
  customerId: string | null = null;

  @Property({ type: 'text', nullable: true })
  subscriptionId: string | null = null;

  @Property({ type: 'text', nullable: true })
  paidPlanName: PlanName | null = null;

  @Property({ type: 'text', nullable: true })
  paidBillingCycle: BillingCycle | null = null;

  @Property({ type: 'text', nullable: true })
  pendingPlanName: PlanName | null = null;

  @Property({ type: 'text', nullable: true })
  pendingBillingCycle: BillingCycle | null = null;

  @Property({ type: 'text', nullable: true })
  checkoutSessionId: string | null = null;

  @Property({ type: 'text', nullable: true })
  checkoutUrl: string | null = null;

  @Property({ type: 'boolean' })
  firstPayment = false;

  @Property({ type: 'boolean' })
  everPaid = false;

  @Property({ type: 'boolean' })
  cancelAtPeriodEnd = false;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  currentPeriodEnd: Date | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  paymentFailingSince: Date | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  graceEndsAt: Date | null = null;

  @Property({ type: 'boolean' })
  graceExpired = false;

  @Property({ type: 'integer' })
  version!: number;
}

/** The row mirrors the aggregate's state, so it is rewritten from the evolved state after each event. */
export async function projectSubscription(em: EntityManager, envelopes: EventEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  const workspaceId = (envelopes[0].data as { workspace_id: number }).workspace_id;
  let record = await em.findOne(SubscriptionRecord, { workspaceId });
  let state: SubscriptionState = record ? stateOf(record) : { ...initialSubscriptionState, workspaceId };
  for (const envelope of envelopes) state = evolveSubscription(state, asDomainEvent<SubscriptionEvent>(envelope));
  if (!record) {
    record = new SubscriptionRecord();
    record.workspaceId = workspaceId;
    em.persist(record);
  }
  record.customerId = state.customerId;
  record.subscriptionId = state.subscriptionId;
  record.paidPlanName = state.paidPlan?.planName ?? null;
  record.paidBillingCycle = state.paidPlan?.billingCycle ?? null;
  record.pendingPlanName = state.pendingCheckout?.planName ?? null;
  record.pendingBillingCycle = state.pendingCheckout?.billingCycle ?? null;
  record.checkoutSessionId = state.pendingCheckout?.checkoutSessionId ?? null;
  record.checkoutUrl = state.pendingCheckout?.checkoutUrl ?? null;
  record.firstPayment = state.pendingCheckout?.firstPayment ?? false;
  record.everPaid = state.everPaid;
  record.cancelAtPeriodEnd = state.cancelAtPeriodEnd;
  record.currentPeriodEnd = dateOrNull(state.currentPeriodEnd);
  record.paymentFailingSince = dateOrNull(state.paymentFailingSince);
  record.graceEndsAt = dateOrNull(state.graceEndsAt);
  record.graceExpired = state.graceExpired;
  record.version = envelopes[envelopes.length - 1].streamVersion;
}

function stateOf(record: SubscriptionRecord): SubscriptionState {
  return {
    workspaceId: record.workspaceId,
    customerId: record.customerId,
    subscriptionId: record.subscriptionId,
    paidPlan: record.paidPlanName && record.paidBillingCycle ? { planName: record.paidPlanName, billingCycle: record.paidBillingCycle } : null,
    pendingCheckout:
      record.pendingPlanName && record.pendingBillingCycle && record.checkoutSessionId && record.checkoutUrl
        ? {
            planName: record.pendingPlanName,
            billingCycle: record.pendingBillingCycle,
            checkoutSessionId: record.checkoutSessionId,
            checkoutUrl: record.checkoutUrl,
            firstPayment: record.firstPayment,
          }
        : null,
    everPaid: record.everPaid,
    cancelAtPeriodEnd: record.cancelAtPeriodEnd,
    currentPeriodEnd: record.currentPeriodEnd?.toISOString() ?? null,
    paymentFailingSince: record.paymentFailingSince?.toISOString() ?? null,
    graceEndsAt: record.graceEndsAt?.toISOString() ?? null,
    graceExpired: record.graceExpired,
  };
}

function dateOrNull(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}
