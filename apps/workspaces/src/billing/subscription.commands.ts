import type { EntityManager } from '@mikro-orm/postgresql';
import type { SubscriptionEvent } from '@mnemo/contracts';
import type { EventStore } from '@mnemo/event-store';
import { appendDecision } from '../append-decision';
import { asDomainEvent } from '../decider';
import { decideOnWorkspace } from '../workspace/workspace.commands';
import type { WorkspaceCommand } from '../workspace/workspace.decide';
import { subscriptionDecider, subscriptionStreamId, type SubscriptionCommand } from './subscription.decide';
import { projectSubscription } from './subscription.projection';

/**
 * One subscription command in the caller's transaction, followed by what its events mean for the workspace:
 * the plan change, the wait for a first payment, the suspension and reinstatement by billing. Both
 * aggregates change in the same transaction (and with the provider event's deduplication row).
 */
export async function decideOnSubscription(em: EntityManager, store: EventStore, workspaceId: number, command: SubscriptionCommand, actor: string) {
  const appended = await appendDecision(em, store, {
    decider: subscriptionDecider,
    streamId: subscriptionStreamId(workspaceId),
    command,
    owner: { workspaceId: String(workspaceId) },
    actor,
    project: projectSubscription,
  });
  for (const envelope of appended) {
    for (const workspaceCommand of workspaceEffectsOf(asDomainEvent<SubscriptionEvent>(envelope))) {
      await decideOnWorkspace(em, store, workspaceId, workspaceCommand, actor);
    }
  }
  return appended;
}

/** What a subscription event means for the workspace (pure; the lifecycle rules live in the Workspace aggregate). */
export function workspaceEffectsOf(event: SubscriptionEvent): WorkspaceCommand[] {
  switch (event.type) {
    case 'subscription.checkout_started':
      return event.data.first_payment ? [{ type: 'AwaitFirstPayment', planName: event.data.plan_name, billingCycle: event.data.billing_cycle }] : [];
    case 'subscription.activated':
      return [{ type: 'ChangePlan', planName: event.data.plan_name, billingCycle: event.data.billing_cycle, source: 'payment' }];
    case 'subscription.checkout_abandoned':
      // A new workspace that gives up its first payment goes back to free: the owner's choice ends the wait.
      return event.data.first_payment ? [{ type: 'ChangePlan', planName: 'free', billingCycle: 'monthly', source: 'owner' }] : [];
    case 'subscription.grace_expired':
      return [{ type: 'SuspendWorkspace', by: 'billing', reason: 'payment failed and the grace period ended unpaid' }];
    case 'subscription.payment_recovered':
      return event.data.reinstate ? [{ type: 'ReinstateWorkspace', by: 'billing', reason: 'payment recovered' }] : [];
    case 'subscription.ended': {
      const toFree: WorkspaceCommand = { type: 'ChangePlan', planName: 'free', billingCycle: 'monthly', source: 'cancellation' };
      // On free nothing is owed any more: a suspension by billing ends with the paid plan.
      return event.data.reinstate ? [toFree, { type: 'ReinstateWorkspace', by: 'billing', reason: 'the paid subscription ended; back on free' }] : [toFree];
    }
    default:
      return [];
  }
}
