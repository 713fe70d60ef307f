import type { BillingCycle, PlanName, Provider, UsageUnit, WorkspaceEvent, WorkspaceStatus } from '@mnemo/contracts';

/** The lifecycle facts the derived status is computed from (DESIGN.md "Lifecycle"). */
export interface WorkspaceLifecycle {
  suspendedByOperator: boolean;
  suspendedByBilling: boolean;
  /** A paid plan waiting for its first payment: which plan the payment is for. */
  awaitingPayment: { planName: PlanName; billingCycle: BillingCycle } | null;
  /** The unit that reached its cap in the current period; null while every unit is below it. */
  limitReached: UsageUnit | null;
  /** The current monthly usage period (ISO 8601 UTC, end exclusive); null only before the first one started. */
  periodStart: string | null;
  periodEnd: string | null;
}

export type WorkspaceState =
  | { exists: false; deleted?: boolean }
  | ({
      exists: true;
      workspaceId: number;
      organizationId: string;
      name: string;
      slug: string;
      domain: string | null;
      iconStorageId: string | null;
      status: WorkspaceStatus;
      planName: PlanName;
      billingCycle: BillingCycle;
      enabledProviders: Provider[];
      joinCodeSha256: string;
      joinCodeExpiresAt: string | null;
    } & WorkspaceLifecycle);

export const initialWorkspaceState: WorkspaceState = { exists: false };

/**
 * A plan change ends a wait for the first payment when it is that payment, when an operator set the plan (a plan
 * set on the admin port needs no payment), or when the plan is free; an owner's change to a paid plan does not.
 */
export function endsPaymentWait(source: 'operator' | 'payment' | 'cancellation' | 'owner', planName: PlanName): boolean {
  return source === 'payment' || source === 'operator' || planName === 'free';
}

/** Precedence suspended > pending_payment > limit_reached > active (DESIGN.md). */
export function deriveWorkspaceStatus(lifecycle: WorkspaceLifecycle): WorkspaceStatus {
  if (lifecycle.suspendedByOperator || lifecycle.suspendedByBilling) return 'suspended';
  if (lifecycle.awaitingPayment) return 'pending_payment';
  if (lifecycle.limitReached) return 'limit_reached';
  return 'active';
}

export function evolveWorkspace(state: WorkspaceState, event: WorkspaceEvent): WorkspaceState {
  switch (event.type) {
    case 'workspace.created':
      return {
        exists: true,
        workspaceId: event.data.workspace_id,
        organizationId: event.data.organization_id,
        name: event.data.name,
        slug: event.data.slug,
        domain: event.data.domain,
        iconStorageId: event.data.icon_storage_id,
        status: event.data.status,
        planName: event.data.plan_name,
        billingCycle: event.data.billing_cycle,
        enabledProviders: event.data.enabled_providers,
        joinCodeSha256: event.data.join_code_sha256,
        joinCodeExpiresAt: event.data.join_code_expires_at,
        suspendedByOperator: false,
        suspendedByBilling: false,
        // A workspace created on a paid plan waits for its first payment.
        awaitingPayment: event.data.status === 'pending_payment' ? { planName: event.data.plan_name, billingCycle: event.data.billing_cycle } : null,
        limitReached: null,
        periodStart: null,
        periodEnd: null,
      };
    case 'workspace.deleted':
      return { exists: false, deleted: true };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'workspace.details_updated':
      return { ...state, name: event.data.name, domain: event.data.domain, iconStorageId: event.data.icon_storage_id ?? null };
    case 'workspace.providers_set':
      return { ...state, enabledProviders: event.data.enabled_providers };
    case 'workspace.join_code_rotated':
      return { ...state, joinCodeSha256: event.data.join_code_sha256, joinCodeExpiresAt: event.data.join_code_expires_at };
    case 'workspace.status_changed':
      return { ...state, status: event.data.status };
    case 'workspace.plan_changed':
      return {
        ...state,
        planName: event.data.plan_name,
        billingCycle: event.data.billing_cycle,
        // Any plan change re-measures the period against the new caps (the decision appends
        // `workspace.limit_reached` right after when usage is already over them).
        awaitingPayment: endsPaymentWait(event.data.source, event.data.plan_name) ? null : state.awaitingPayment,
        limitReached: null,
      };
    case 'workspace.period_started':
      return { ...state, periodStart: event.data.period_start, periodEnd: event.data.period_end, limitReached: null };
    case 'workspace.suspended':
      return event.data.by === 'operator' ? { ...state, suspendedByOperator: true } : { ...state, suspendedByBilling: true };
    case 'workspace.reinstated':
      return event.data.by === 'operator' ? { ...state, suspendedByOperator: false } : { ...state, suspendedByBilling: false };
    case 'workspace.payment_awaited':
      return { ...state, awaitingPayment: { planName: event.data.plan_name, billingCycle: event.data.billing_cycle } };
    case 'workspace.limit_reached':
      return { ...state, limitReached: event.data.unit };
  }
}
