import {
  LIFECYCLE_LIMITS,
  MnemoError,
  PLAN_NAMES,
  BILLING_CYCLES,
  PROVIDERS,
  WORKSPACE_LIMITS,
  type BillingCycle,
  type PlanName,
  type Provider,
  type UsageUnit,
  type WorkspaceEvent,
  type WorkspaceRole,
} from '@mnemo/contracts';
import type { Decider } from '../decider';
import { requireLength, requireSlug } from '../limits';
import { requireManager, requireOwner } from '../membership/grant-rules';
import { deriveWorkspaceStatus, endsPaymentWait, evolveWorkspace, initialWorkspaceState, type WorkspaceState } from './workspace.evolve';

/** One stream per workspace; `workspace_id` comes from the `workspace_ids` sequence. */
export function workspaceStreamId(workspaceId: number): string {
  return `workspace-${workspaceId}`;
}

/**
 * `actorRole` is the caller's effective role in the workspace, resolved by the handler in the command's
 * transaction (workspace membership, or org owner/admin → admin; a key's role is capped by its scopes).
 */
export type WorkspaceCommand =
  | {
      type: 'CreateWorkspace';
      workspaceId: number;
      organizationId: string;
      name: string;
      /** Already reserved by the caller (slug reservations are a cross-aggregate guard). */
      slug: string;
      domain: string | null;
      /** Creating a workspace in a new organization tracks a shorter domain (2–50) than creating it in one (2–256). */
      domainLimit?: { min: number; max: number };
      planName: PlanName;
      billingCycle: BillingCycle;
      enabledProviders: readonly Provider[];
      joinCodeSha256: string;
      personal: boolean;
      createdBy: string;
      /** An uploaded icon the creating transaction claims for the workspace (executor create). */
      iconStorageId?: string | null;
      /** The first monthly usage period, anchored at creation (ISO 8601 UTC, end exclusive). */
      periodStart: string;
      periodEnd: string;
    }
  /** Absent fields stay as they are; `domain: null` clears the domain. */
  /** `iconStorageId`: an upload the handler already checked is this workspace's to claim; null removes the icon. */
  | { type: 'UpdateWorkspaceDetails'; name?: string; domain?: string | null; iconStorageId?: string | null; actorRole: WorkspaceRole }
  | { type: 'SetEnabledProviders'; providers: readonly Provider[]; actorRole: WorkspaceRole }
  | { type: 'RotateJoinCode'; joinCodeSha256: string; expiresAt: string | null; now: string; actorRole: WorkspaceRole }
  | {
      type: 'DeleteWorkspace';
      /** null: an account erasure deletes the workspace its user was alone in. */
      actorRole: WorkspaceRole | null;
      erasureId: string | null;
      /** `DELETE /v1/workspaces/:id` repeats the slug to confirm; absent for erasures. */
      confirmSlug?: string;
    }
  // Lifecycle (DESIGN.md "Lifecycle"). Operator and billing suspensions are separate flags.
  | { type: 'SuspendWorkspace'; reason: string; by: 'operator' | 'billing' }
  | { type: 'ReinstateWorkspace'; reason: string; by: 'operator' | 'billing' }
  | {
      type: 'ChangePlan';
      planName: PlanName;
      billingCycle: BillingCycle;
      source: 'operator' | 'payment' | 'cancellation' | 'owner';
      /**
       * Why, for operator overrides (recorded in the status change it causes). `usageOverCap` is filled in by
       * `decideOnWorkspace` from the usage ledger: the first unit whose use this period is at or over the new
       * plan's cap (a downgrade below the usage means `limit_reached` at once).
       */
      reason?: string;
      usageOverCap?: UsageUnit | null;
    }
  /** → pending_payment until a ChangePlan with source 'payment'. */
  | { type: 'AwaitFirstPayment'; planName: PlanName; billingCycle: BillingCycle }
  | { type: 'RecordLimitReached'; periodStart: string; unit: UsageUnit }
  | { type: 'StartPeriod'; periodStart: string; periodEnd: string };

export function decideWorkspace(command: WorkspaceCommand, state: WorkspaceState): WorkspaceEvent[] {
  switch (command.type) {
    case 'CreateWorkspace': {
      if (state.exists || state.deleted) throw new MnemoError('CONFLICT', 'the workspace already exists');
      requireLength('name', command.name, WORKSPACE_LIMITS.workspaceName);
      requireSlug('slug', command.slug);
      if (command.domain !== null) requireLength('domain', command.domain, command.domainLimit ?? WORKSPACE_LIMITS.domain);
      requireProviders(command.enabledProviders);
      requirePeriod(command.periodStart, command.periodEnd);
      return [
        {
          type: 'workspace.created',
          data: {
            workspace_id: command.workspaceId,
            organization_id: command.organizationId,
            name: command.name,
            slug: command.slug,
            domain: command.domain,
            icon_storage_id: command.iconStorageId ?? null,
            // Free plans skip pending_payment (mnemexa); a paid plan waits for its first payment.
            status: command.planName === 'free' ? 'active' : 'pending_payment',
            plan_name: command.planName,
            billing_cycle: command.billingCycle,
            enabled_providers: [...command.enabledProviders],
            join_code_sha256: command.joinCodeSha256,
            join_code_expires_at: null,
            personal: command.personal,
            created_by: command.createdBy,
          },
        },
        { type: 'workspace.period_started', data: { workspace_id: command.workspaceId, period_start: command.periodStart, period_end: command.periodEnd } },
      ];
    }
  }
  if (!state.exists) throw new MnemoError('NOT_FOUND', 'workspace not found');
  const workspace_id = state.workspaceId;
  switch (command.type) {
    case 'UpdateWorkspaceDetails': {
      requireOwner(command.actorRole, 'update the workspace details');
      if (command.name === undefined && command.domain === undefined && command.iconStorageId === undefined) {
        throw new MnemoError('VALIDATION_ERROR', 'send name, domain or icon_storage_id', { field: 'body' });
      }
      if (command.name !== undefined) requireLength('name', command.name, WORKSPACE_LIMITS.updatedWorkspaceName);
      if (command.domain !== undefined && command.domain !== null) requireLength('domain', command.domain, WORKSPACE_LIMITS.domain);
      const name = command.name ?? state.name;
      const domain = command.domain === undefined ? state.domain : command.domain;
      const icon_storage_id = command.iconStorageId === undefined ? state.iconStorageId : command.iconStorageId;
      if (name === state.name && domain === state.domain && icon_storage_id === state.iconStorageId) return [];
      return [{ type: 'workspace.details_updated', data: { workspace_id, name, domain, icon_storage_id } }];
    }
    case 'SetEnabledProviders': {
      requireManager(command.actorRole, 'choose the providers');
      requireProviders(command.providers);
      const unchanged = command.providers.length === state.enabledProviders.length && command.providers.every((p, i) => p === state.enabledProviders[i]);
      if (unchanged) return [];
      return [{ type: 'workspace.providers_set', data: { workspace_id, enabled_providers: [...command.providers] } }];
    }
    case 'RotateJoinCode': {
      requireManager(command.actorRole, 'rotate the join code');
      if (command.expiresAt !== null && Date.parse(command.expiresAt) <= Date.parse(command.now)) {
        throw new MnemoError('VALIDATION_ERROR', 'expires_at must be in the future', { field: 'expires_at' });
      }
      return [
        {
          type: 'workspace.join_code_rotated',
          data: { workspace_id, join_code_sha256: command.joinCodeSha256, join_code_expires_at: command.expiresAt },
        },
      ];
    }
    case 'DeleteWorkspace': {
      if (command.actorRole !== null) requireOwner(command.actorRole, 'delete the workspace');
      if (command.confirmSlug !== undefined && command.confirmSlug !== state.slug) {
        throw new MnemoError('VALIDATION_ERROR', "confirm_slug must repeat the workspace's slug", { field: 'confirm_slug' });
      }
      return [{ type: 'workspace.deleted', data: { workspace_id, organization_id: state.organizationId, erasure_id: command.erasureId } }];
    }
    case 'SuspendWorkspace': {
      const reason = requireReason(command.reason);
      if (suspendedBy(state, command.by)) throw new MnemoError('CONFLICT', `the workspace is already suspended by ${command.by}`, { by: command.by });
      return withStatusChange(state, [{ type: 'workspace.suspended', data: { workspace_id, by: command.by, reason } }], reason);
    }
    case 'ReinstateWorkspace': {
      const reason = requireReason(command.reason);
      if (!suspendedBy(state, command.by)) throw new MnemoError('CONFLICT', `the workspace is not suspended by ${command.by}`, { by: command.by });
      return withStatusChange(state, [{ type: 'workspace.reinstated', data: { workspace_id, by: command.by, reason } }], reason);
    }
    case 'ChangePlan': {
      requirePlan(command.planName, command.billingCycle);
      const reason = command.reason === undefined ? null : requireReason(command.reason);
      const samePlan = command.planName === state.planName && command.billingCycle === state.billingCycle;
      // A payment (or an operator's plan) ends pending_payment even when the plan itself stays the same.
      const endsWait = state.awaitingPayment !== null && endsPaymentWait(command.source, command.planName);
      if (samePlan && !endsWait) return [];
      const events: WorkspaceEvent[] = [
        {
          type: 'workspace.plan_changed',
          data: {
            workspace_id,
            plan_name: command.planName,
            billing_cycle: command.billingCycle,
            previous_plan_name: state.planName,
            source: command.source,
            ...(reason === null ? {} : { reason }),
          },
        },
      ];
      if (command.usageOverCap && state.periodStart !== null) {
        events.push({ type: 'workspace.limit_reached', data: { workspace_id, period_start: state.periodStart, unit: command.usageOverCap } });
      }
      return withStatusChange(state, events, reason);
    }
    case 'AwaitFirstPayment': {
      requirePlan(command.planName, command.billingCycle);
      if (command.planName === 'free') throw new MnemoError('VALIDATION_ERROR', 'the free plan needs no payment', { field: 'plan_name' });
      const awaited = state.awaitingPayment;
      if (awaited && awaited.planName === command.planName && awaited.billingCycle === command.billingCycle) return [];
      if (!awaited && command.planName === state.planName && command.billingCycle === state.billingCycle) {
        throw new MnemoError('CONFLICT', 'the workspace is already on that plan', { plan_name: command.planName });
      }
      return withStatusChange(
        state,
        [{ type: 'workspace.payment_awaited', data: { workspace_id, plan_name: command.planName, billing_cycle: command.billingCycle } }],
        null,
      );
    }
    case 'RecordLimitReached': {
      // A fact about an earlier period (a late redelivery after the rollover) no longer limits anything.
      if (command.periodStart !== state.periodStart || state.limitReached !== null) return [];
      return withStatusChange(state, [{ type: 'workspace.limit_reached', data: { workspace_id, period_start: command.periodStart, unit: command.unit } }], null);
    }
    case 'StartPeriod': {
      requirePeriod(command.periodStart, command.periodEnd);
      if (command.periodStart === state.periodStart) return [];
      if (state.periodEnd !== null && Date.parse(command.periodStart) < Date.parse(state.periodEnd)) {
        throw new MnemoError('CONFLICT', 'a new period starts when the current one ends', { period_end: state.periodEnd });
      }
      return withStatusChange(
        state,
        [{ type: 'workspace.period_started', data: { workspace_id, period_start: command.periodStart, period_end: command.periodEnd } }],
        null,
      );
    }
  }
}

type ExistingWorkspace = Extract<WorkspaceState, { exists: true }>;

function suspendedBy(state: ExistingWorkspace, by: 'operator' | 'billing'): boolean {
  return by === 'operator' ? state.suspendedByOperator : state.suspendedByBilling;
}

/**
 * The lifecycle events, followed by the consumer-facing `workspace.status_changed` when they change the derived
 * status (other services act on that one alone).
 */
function withStatusChange(state: ExistingWorkspace, events: WorkspaceEvent[], reason: string | null): WorkspaceEvent[] {
  const before = deriveWorkspaceStatus(state);
  const after = events.reduce(evolveWorkspace, state as WorkspaceState);
  if (!after.exists) return events;
  const status = deriveWorkspaceStatus(after);
  if (status === before) return events;
  return [...events, { type: 'workspace.status_changed', data: { workspace_id: state.workspaceId, status, previous_status: before, reason } }];
}

function requireReason(raw: unknown): string {
  const reason = typeof raw === 'string' ? raw.trim() : '';
  const { min, max } = LIFECYCLE_LIMITS.reason;
  const length = Array.from(reason).length;
  if (length < min || length > max) {
    throw new MnemoError('VALIDATION_ERROR', `reason must be ${min}–${max} characters`, { field: 'reason', min, max });
  }
  return reason;
}

function requirePlan(planName: PlanName, billingCycle: BillingCycle): void {
  if (!(PLAN_NAMES as readonly string[]).includes(planName)) {
    throw new MnemoError('VALIDATION_ERROR', `plan_name must be one of ${PLAN_NAMES.join(', ')}`, { field: 'plan_name' });
  }
  if (!(BILLING_CYCLES as readonly string[]).includes(billingCycle)) {
    throw new MnemoError('VALIDATION_ERROR', `billing_cycle must be one of ${BILLING_CYCLES.join(', ')}`, { field: 'billing_cycle' });
  }
}

function requirePeriod(start: string, end: string): void {
  const from = Date.parse(start);
  const to = Date.parse(end);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw new MnemoError('VALIDATION_ERROR', 'a usage period ends after it starts', { field: 'period' });
  }
}

function requireProviders(providers: readonly Provider[]): void {
  const unknown = providers.filter((provider) => !(PROVIDERS as readonly string[]).includes(provider));
  if (providers.length === 0 || unknown.length > 0 || new Set(providers).size !== providers.length) {
    throw new MnemoError('VALIDATION_ERROR', `enabled providers must be at least one of ${PROVIDERS.join(', ')}, each once`, {
      field: 'enabled_providers',
      ...(unknown.length > 0 ? { unknown } : {}),
    });
  }
}

export const workspaceDecider: Decider<WorkspaceCommand, WorkspaceState, WorkspaceEvent> = {
  initialState: initialWorkspaceState,
  decide: decideWorkspace,
  evolve: evolveWorkspace,
};
