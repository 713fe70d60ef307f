import { Controller, Inject } from '@nestjs/common';
import {
  BILLING_CYCLES,
  BILLING_RPC,
  MnemoError,
  PLAN_NAMES,
  type BillingCycle,
  type ListPlansReply,
  type PlanName,
  type RpcMetadata,
  type RpcReply,
  type StripeWebhookReply,
  type SubscriptionResource,
  type Versioned,
  type WorkspaceCaller,
} from '@mnemo/contracts';
import { hashRequest } from '@mnemo/event-store';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import type { EntityManager } from '@mikro-orm/postgresql';
import { actorOf } from '../actor';
import { runCommand } from '../command-transaction';
import { lockWorkspace } from '../membership/caller';
import { parseVersioning, requireCurrentVersion, versioned } from '../versioned-reply';
import { decideOnWorkspace } from '../workspace/workspace.commands';
import { WorkspaceRecord } from '../workspace/workspace.projection';
import { billingAccess } from './billing-access';
import { BILLING, type Billing } from './billing.settings';
import { WebhookSignatureInvalid, type PaymentEvent, type PaymentProvider } from './payment-provider';
import { applyPaymentEvent } from './payment-webhook';
import { planCatalogue } from './plan-catalogue';
import { decideOnSubscription } from './subscription.commands';
import { SubscriptionRecord } from './subscription.projection';

function invalid(field: string, message: string): MnemoError {
  return new MnemoError('VALIDATION_ERROR', message, { field });
}

function parseSubscriptionRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller } {
  if (typeof data !== 'object' || data === null) throw invalid('body', 'the request must be an object');
  const { workspace_id, caller } = data as Record<string, unknown>;
  if (typeof workspace_id !== 'number' || !Number.isSafeInteger(workspace_id) || workspace_id < 1) throw new MnemoError('NOT_FOUND', 'workspace not found');
  const valid =
    typeof caller === 'object' &&
    caller !== null &&
    (((caller as { kind?: unknown }).kind === 'session' && typeof (caller as { user_id?: unknown }).user_id === 'string') ||
      ((caller as { kind?: unknown }).kind === 'key' && typeof (caller as { created_by?: unknown }).created_by === 'string' && Array.isArray((caller as { scopes?: unknown }).scopes)));
  if (!valid) throw invalid('caller', 'caller must be a session or a key');
  return { workspaceId: workspace_id, caller: caller as WorkspaceCaller };
}

function parsePlanChoice(data: unknown): { planName: PlanName; billingCycle: BillingCycle } {
  const { plan_name, billing_cycle } = data as Record<string, unknown>;
  if (typeof plan_name !== 'string' || !(PLAN_NAMES as readonly string[]).includes(plan_name)) throw invalid('plan_name', `plan_name must be one of ${PLAN_NAMES.join(', ')}`);
  const cycle = billing_cycle ?? 'monthly';
  if (typeof cycle !== 'string' || !(BILLING_CYCLES as readonly string[]).includes(cycle)) throw invalid('billing_cycle', `billing_cycle must be one of ${BILLING_CYCLES.join(', ')}`);
  return { planName: plan_name as PlanName, billingCycle: cycle as BillingCycle };
}

/** The subscription with its stream version, the ETag of its answers. */
async function subscriptionResource(em: EntityManager, workspaceId: number): Promise<{ resource: SubscriptionResource; version: number }> {
  const workspace = await em.findOneOrFail(WorkspaceRecord, { workspaceId });
  const subscription = await em.findOne(SubscriptionRecord, { workspaceId });
  const resource: SubscriptionResource = {
    workspace_id: workspaceId,
    plan_name: workspace.planName,
    billing_cycle: workspace.billingCycle,
    workspace_status: workspace.status,
    pending_plan_name: subscription?.pendingPlanName ?? null,
    pending_billing_cycle: subscription?.pendingBillingCycle ?? null,
    checkout_url: subscription?.checkoutUrl ?? null,
    cancel_at_period_end: subscription?.cancelAtPeriodEnd ?? false,
    current_period_end: subscription?.currentPeriodEnd?.toISOString() ?? null,
    payment_failing_since: subscription?.paymentFailingSince?.toISOString() ?? null,
  };
  return { resource, version: subscription?.version ?? 0 };
}

/**
 * "New" for the billing flow (see README): never paid and no usage recorded in any period. A new workspace
 * choosing a paid plan waits in pending_payment; any other keeps its plan until the checkout is paid.
 */
async function isNewWorkspace(em: EntityManager, workspaceId: number): Promise<boolean> {
  const subscription = await em.findOne(SubscriptionRecord, { workspaceId });
  if (subscription?.everPaid) return false;
  const used = await em.execute('SELECT 1 FROM usage_ledger WHERE workspace_id = ? AND (writes > 0 OR retrieves > 0 OR runs > 0) LIMIT 1', [workspaceId]);
  return used.length === 0;
}

/**
 * The recorded answer to this Idempotency-Key, or the mismatch refusal, read without claiming: changing the
 * subscription talks to the payment provider before its transaction, and a replay must not do that again.
 */
async function earlierAnswer(em: EntityManager, metadata: RpcMetadata | undefined, body: unknown): Promise<RpcReply | undefined> {
  if (!metadata?.idempotencyKey || !metadata.principal) return undefined;
  const [record] = await em.execute<{ request_hash: string; status: string; response: RpcReply | null }[]>(
    `SELECT request_hash, status, response FROM idempotency_records
     WHERE workspace_id = ? AND principal = ? AND method = 'RPC' AND route = ? AND key = ?`,
    [metadata.workspaceId ?? '', `${metadata.principal.type}:${metadata.principal.id}`, BILLING_RPC.changeSubscription, metadata.idempotencyKey],
  );
  if (!record) return undefined;
  if (record.request_hash !== hashRequest(body)) {
    return { ok: false, error: new MnemoError('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used with a different request body').toBody() };
  }
  return record.status === 'completed' && record.response ? record.response : undefined;
}

@Controller()
export class BillingHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(BILLING) private readonly billing: Billing,
  ) {}

  @RpcHandler('workspaces', BILLING_RPC.listPlans)
  async listPlans(): Promise<ListPlansReply> {
    return { plans: planCatalogue(this.billing.plans) };
  }

  @RpcHandler('workspaces', BILLING_RPC.getSubscription)
  async getSubscription(data: unknown): Promise<SubscriptionResource | Versioned<SubscriptionResource>> {
    const { workspaceId, caller } = parseSubscriptionRequest(data);
    const em = this.runtime.orm.em.fork();
    await billingAccess(em, workspaceId, caller, 'see');
    const { resource, version } = await subscriptionResource(em, workspaceId);
    return versioned(resource, version, parseVersioning(data));
  }

  /**
   * A paid plan opens a checkout at the provider (a customer is made for the workspace first) and answers its
   * URL; the plan changes when the provider reports the payment. Free ends a paid subscription at the end of
   * its period (the provider's `customer.subscription.deleted` moves the workspace to free then).
   */
  @RpcHandler('workspaces', BILLING_RPC.changeSubscription)
  async changeSubscription(data: unknown, metadata: RpcMetadata): Promise<RpcReply<SubscriptionResource | Versioned<SubscriptionResource>>> {
    const { workspaceId, caller } = parseSubscriptionRequest(data);
    const choice = parsePlanChoice(data);
    const versioning = parseVersioning(data);
    const em = this.runtime.orm.em.fork();
    // A repeated Idempotency-Key answers before the provider is asked anything (the claim itself is runCommand's).
    const earlier = await earlierAnswer(em, metadata, data);
    if (earlier) return earlier as RpcReply<SubscriptionResource>;
    const access = await billingAccess(em, workspaceId, caller, 'change');
    const actor = actorOf(metadata, access.userId);
    const subscription = await em.findOne(SubscriptionRecord, { workspaceId });
    // Checked before the provider is asked for anything, and again under the lock.
    requireCurrentVersion(subscription?.version ?? 0, versioning);
    const workspace = access.workspace;
    const transaction = (work: (tx: EntityManager) => Promise<void>) =>
      runCommand(this.runtime, { operation: BILLING_RPC.changeSubscription, metadata, body: data }, async (tx) => {
        await lockWorkspace(tx, workspaceId);
        await billingAccess(tx, workspaceId, caller, 'change');
        requireCurrentVersion((await subscriptionResource(tx, workspaceId)).version, versioning);
        await work(tx);
        const { resource, version } = await subscriptionResource(tx, workspaceId);
        return versioned(resource, version, versioning);
      });

    if (choice.planName === 'free') {
      await this.expireOpenCheckout(subscription);
      let cancelAt: string | null = subscription?.currentPeriodEnd?.toISOString() ?? null;
      if (subscription?.subscriptionId && subscription.paidPlanName && !subscription.cancelAtPeriodEnd) {
        cancelAt = (await this.requireProvider().cancelAtPeriodEnd(subscription.subscriptionId)).cancelAt ?? cancelAt;
      }
      return transaction(async (tx) => {
        await decideOnSubscription(tx, this.runtime.store, workspaceId, { type: 'ChooseFree', workspaceId, cancelAt }, actor);
        // A paid plan nobody pays for (an operator's override) has no period to run out: free at once.
        const current = await tx.findOneOrFail(WorkspaceRecord, { workspaceId });
        const paying = await tx.findOne(SubscriptionRecord, { workspaceId, paidPlanName: { $ne: null } });
        if (current.planName !== 'free' && !paying) {
          await decideOnWorkspace(tx, this.runtime.store, workspaceId, { type: 'ChangePlan', planName: 'free', billingCycle: 'monthly', source: 'owner' }, actor);
        }
      });
    }

    // Already waiting on a checkout for this choice: answer as it stands. Already on it: an upgrade checkout
    // opened since is dropped (the owner stays), and nothing new is opened.
    const pendingChoice = subscription?.pendingPlanName === choice.planName && subscription.pendingBillingCycle === choice.billingCycle;
    if (pendingChoice) {
      const { resource, version } = await subscriptionResource(em, workspaceId);
      return { ok: true, data: versioned(resource, version, versioning) };
    }
    const onChoice = workspace.planName === choice.planName && workspace.billingCycle === choice.billingCycle && workspace.status !== 'pending_payment';
    if (onChoice) {
      await this.expireOpenCheckout(subscription);
      return transaction((tx) => decideOnSubscription(tx, this.runtime.store, workspaceId, { type: 'KeepCurrentPlan', workspaceId }, actor).then(() => undefined));
    }

    const provider = this.requireProvider();
    // A checkout for another choice is replaced: closed first, so only the new one can be paid.
    await this.expireOpenCheckout(subscription);
    const pricing = this.billing.plans(choice.planName).pricing!;
    const customerId = await this.customerOf(workspaceId, workspace.name, provider);
    const returnUrl = `${this.billing.config.publicUrl}/v1/workspaces/${workspaceId}/subscription`;
    const checkout = await provider.createCheckout({
      workspaceId,
      customerId,
      planName: choice.planName,
      billingCycle: choice.billingCycle,
      priceCents: choice.billingCycle === 'annual' ? pricing.annualPriceCents : pricing.monthlyPriceCents,
      successUrl: `${returnUrl}?checkout=success`,
      cancelUrl: `${returnUrl}?checkout=cancelled`,
    });
    return transaction(async (tx) => {
      await decideOnSubscription(
        tx,
        this.runtime.store,
        workspaceId,
        {
          type: 'StartCheckout',
          workspaceId,
          planName: choice.planName,
          billingCycle: choice.billingCycle,
          customerId,
          checkoutSessionId: checkout.checkoutSessionId,
          checkoutUrl: checkout.url,
          firstPayment: await isNewWorkspace(tx, workspaceId),
        },
        actor,
      );
    });
  }

  /**
   * The provider's webhook: the signature is verified over the raw body before anything is read; the event is
   * then applied once (see `applyPaymentEvent`). Every verified event is acknowledged, also when it changes
   * nothing, so the provider stops retrying it.
   */
  @RpcHandler('workspaces', BILLING_RPC.handleStripeWebhook)
  async handleStripeWebhook(data: unknown): Promise<RpcReply<StripeWebhookReply>> {
    const { payload_base64, signature } = (data ?? {}) as Record<string, unknown>;
    if (typeof payload_base64 !== 'string' || typeof signature !== 'string' || signature === '') {
      throw new MnemoError('VALIDATION_ERROR', 'a signed webhook needs its body and the Stripe-Signature header', { reason: 'invalid_signature' });
    }
    const provider = this.requireProvider();
    let event: PaymentEvent;
    try {
      event = provider.parseWebhook(Buffer.from(payload_base64, 'base64'), signature);
    } catch (error) {
      if (error instanceof WebhookSignatureInvalid) {
        throw new MnemoError('VALIDATION_ERROR', 'the webhook signature is invalid or too old', { reason: 'invalid_signature' });
      }
      throw error;
    }
    const applied = await runCommand(this.runtime, { operation: BILLING_RPC.handleStripeWebhook, body: data }, (tx) =>
      applyPaymentEvent(tx, this.runtime.store, provider.name, event, { graceDays: this.billing.config.graceDays, now: new Date() }),
    );
    if (!applied.ok) return applied;
    const replaced = applied.data.replacedSubscriptionId;
    if (replaced) {
      // After the commit: the upgrade is paid, so the old subscription stops billing. A failure here is logged
      // for an operator (the old subscription's own events no longer change this workspace).
      await provider.cancelNow(replaced).catch((error: unknown) => {
        this.runtime.logger.error({ err: error, workspace_event: event.id }, 'could not cancel the subscription an upgrade replaced');
      });
    }
    return { ok: true, data: { received: true, outcome: applied.data.outcome } };
  }

  /** An open checkout the owner gives up is closed at the provider first, so it can no longer be paid. */
  private async expireOpenCheckout(subscription: SubscriptionRecord | null): Promise<void> {
    if (!subscription?.checkoutSessionId) return;
    try {
      await this.requireProvider().expireCheckout(subscription.checkoutSessionId);
    } catch (error) {
      if (error instanceof MnemoError) throw error;
      // Completed meanwhile: the payment's confirmation is on its way, and decides.
      throw new MnemoError('CONFLICT', 'the open checkout was completed; its payment is being confirmed', { reason: 'checkout_completed' });
    }
  }

  private requireProvider(): PaymentProvider {
    if (!this.billing.provider) throw new MnemoError('UNAVAILABLE', 'payments are not configured on this server (STRIPE_SECRET_KEY)');
    return this.billing.provider;
  }

  /** The workspace's customer at the provider, made on first use; the mapping row is unique both ways. */
  private async customerOf(workspaceId: number, workspaceName: string, provider: PaymentProvider): Promise<string> {
    const em = this.runtime.orm.em.fork();
    const find = async () =>
      (await em.execute<{ customer_id: string }[]>('SELECT customer_id FROM billing_customers WHERE workspace_id = ?', [workspaceId]))[0]?.customer_id;
    const existing = await find();
    if (existing) return existing;
    const { customerId } = await provider.createCustomer({ workspaceId, workspaceName });
    await em.execute('INSERT INTO billing_customers (workspace_id, provider, customer_id) VALUES (?, ?, ?) ON CONFLICT (workspace_id) DO NOTHING', [
      workspaceId,
      provider.name,
      customerId,
    ]);
    return (await find())!;
  }
}
