import type { WorkspaceCreated, WorkspaceEvent, WorkspaceStatus } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import { workspaceDecider, type WorkspaceCommand } from './workspace.decide';
import { deriveWorkspaceStatus, evolveWorkspace, initialWorkspaceState } from './workspace.evolve';

const organizationId = '01900000-0000-7000-8000-000000000001';
const createdData: WorkspaceCreated = {
  workspace_id: 42,
  organization_id: organizationId,
  name: "Ada's workspace",
  slug: 'adas-workspace',
  domain: null,
  icon_storage_id: null,
  status: 'active',
  plan_name: 'free',
  billing_cycle: 'monthly',
  enabled_providers: ['openai'],
  join_code_sha256: 'a'.repeat(64),
  join_code_expires_at: null,
  personal: true,
  created_by: '01900000-0000-7000-8000-0000000000ad',
};
const january = { start: '2026-01-10T08:00:00.000Z', end: '2026-02-10T08:00:00.000Z' };
const february = { start: '2026-02-10T08:00:00.000Z', end: '2026-03-10T08:00:00.000Z' };

const created: WorkspaceEvent = { type: 'workspace.created', data: createdData };
const createdPaid: WorkspaceEvent = { type: 'workspace.created', data: { ...createdData, plan_name: 'pro', status: 'pending_payment' } };
const periodStarted = (period: { start: string; end: string }): WorkspaceEvent => ({
  type: 'workspace.period_started',
  data: { workspace_id: 42, period_start: period.start, period_end: period.end },
});
const active: WorkspaceEvent[] = [created, periodStarted(january)];

const suspended = (by: 'operator' | 'billing', reason = 'abuse report'): WorkspaceEvent => ({ type: 'workspace.suspended', data: { workspace_id: 42, by, reason } });
const reinstated = (by: 'operator' | 'billing', reason = 'resolved'): WorkspaceEvent => ({ type: 'workspace.reinstated', data: { workspace_id: 42, by, reason } });
const limitReached = (unit: 'writes' | 'retrieves' | 'runs' = 'writes', period = january): WorkspaceEvent => ({
  type: 'workspace.limit_reached',
  data: { workspace_id: 42, period_start: period.start, unit },
});
const statusChanged = (previous_status: WorkspaceStatus, status: WorkspaceStatus, reason: string | null = null): WorkspaceEvent => ({
  type: 'workspace.status_changed',
  data: { workspace_id: 42, status, previous_status, reason },
});
const planChanged = (
  plan_name: 'free' | 'pro' | 'team',
  previous_plan_name: 'free' | 'pro' | 'team',
  source: 'operator' | 'payment' | 'cancellation' | 'owner',
  billing_cycle: 'monthly' | 'annual' = 'monthly',
): WorkspaceEvent => ({ type: 'workspace.plan_changed', data: { workspace_id: 42, plan_name, billing_cycle, previous_plan_name, source } });
const paymentAwaited = (plan_name: 'pro' | 'team' = 'pro', billing_cycle: 'monthly' | 'annual' = 'monthly'): WorkspaceEvent => ({
  type: 'workspace.payment_awaited',
  data: { workspace_id: 42, plan_name, billing_cycle },
});

const suspend = (by: 'operator' | 'billing', reason = 'abuse report'): WorkspaceCommand => ({ type: 'SuspendWorkspace', by, reason });
const reinstate = (by: 'operator' | 'billing', reason = 'resolved'): WorkspaceCommand => ({ type: 'ReinstateWorkspace', by, reason });
const changePlan = (
  planName: 'free' | 'pro' | 'team',
  source: 'operator' | 'payment' | 'cancellation' | 'owner',
  extra: Partial<Extract<WorkspaceCommand, { type: 'ChangePlan' }>> = {},
): WorkspaceCommand => ({ type: 'ChangePlan', planName, billingCycle: 'monthly', source, ...extra });

const statusAfter = (history: WorkspaceEvent[]) => {
  const state = history.reduce(evolveWorkspace, initialWorkspaceState);
  if (!state.exists) throw new Error('no workspace');
  return { derived: deriveWorkspaceStatus(state), recorded: state.status };
};

describe('workspace lifecycle', () => {
  describe('suspension', () => {
    it('suspends an active workspace with the reason, announcing the status change', () => {
      given(workspaceDecider, active).when(suspend('operator', '  abuse report ')).then([suspended('operator'), statusChanged('active', 'suspended', 'abuse report')]);
      given(workspaceDecider, active).when(suspend('billing', 'payment failed past grace')).then([
        suspended('billing', 'payment failed past grace'),
        statusChanged('active', 'suspended', 'payment failed past grace'),
      ]);
    });

    it('takes precedence over pending_payment and limit_reached', () => {
      given(workspaceDecider, [createdPaid, periodStarted(january)]).when(suspend('operator')).then([suspended('operator'), statusChanged('pending_payment', 'suspended', 'abuse report')]);
      given(workspaceDecider, [...active, limitReached(), statusChanged('active', 'limit_reached')])
        .when(suspend('operator'))
        .then([suspended('operator'), statusChanged('limit_reached', 'suspended', 'abuse report')]);
    });

    it('keeps operator and billing suspensions apart: the second flag changes no status', () => {
      given(workspaceDecider, [...active, suspended('operator')]).when(suspend('billing', 'unpaid')).then([suspended('billing', 'unpaid')]);
      given(workspaceDecider, [...active, suspended('operator'), suspended('billing')]).when(reinstate('operator')).then([reinstated('operator')]);
      given(workspaceDecider, [...active, suspended('operator'), suspended('billing'), reinstated('operator')])
        .when(reinstate('billing', 'paid'))
        .then([reinstated('billing', 'paid'), statusChanged('suspended', 'active', 'paid')]);
    });

    it('reinstates to whatever the other facts say (limit reached in the period)', () => {
      given(workspaceDecider, [...active, limitReached(), suspended('operator')]).when(reinstate('operator')).then([
        reinstated('operator'),
        statusChanged('suspended', 'limit_reached', 'resolved'),
      ]);
      given(workspaceDecider, [createdPaid, periodStarted(january), suspended('operator')]).when(reinstate('operator')).then([
        reinstated('operator'),
        statusChanged('suspended', 'pending_payment', 'resolved'),
      ]);
    });

    it('refuses a second suspension by the same source, and a reinstatement of what that source did not suspend', () => {
      given(workspaceDecider, [...active, suspended('operator')]).when(suspend('operator')).thenFails('CONFLICT', { by: 'operator' });
      given(workspaceDecider, active).when(reinstate('operator')).thenFails('CONFLICT', { by: 'operator' });
      given(workspaceDecider, [...active, suspended('billing')]).when(reinstate('operator')).thenFails('CONFLICT', { by: 'operator' });
      given(workspaceDecider, [...active, suspended('operator'), reinstated('operator')]).when(reinstate('operator')).thenFails('CONFLICT');
    });

    it('needs a reason of 1–500 characters', () => {
      for (const reason of ['', '   ', 'x'.repeat(501)]) {
        given(workspaceDecider, active).when(suspend('operator', reason)).thenFails('VALIDATION_ERROR', { field: 'reason' });
        given(workspaceDecider, [...active, suspended('operator')]).when(reinstate('operator', reason)).thenFails('VALIDATION_ERROR', { field: 'reason' });
      }
      given(workspaceDecider, active).when(suspend('operator', 'x')).then([suspended('operator', 'x'), statusChanged('active', 'suspended', 'x')]);
      given(workspaceDecider, active)
        .when(suspend('operator', 'x'.repeat(500)))
        .then([suspended('operator', 'x'.repeat(500)), statusChanged('active', 'suspended', 'x'.repeat(500))]);
    });
  });

  describe('plans and payment', () => {
    it('changes the plan by operator override, with the reason on a status change', () => {
      given(workspaceDecider, active)
        .when(changePlan('team', 'operator', { reason: ' partner deal ' }))
        .then([{ type: 'workspace.plan_changed', data: { workspace_id: 42, plan_name: 'team', billing_cycle: 'monthly', previous_plan_name: 'free', source: 'operator', reason: 'partner deal' } }]);
      given(workspaceDecider, active)
        .when({ type: 'ChangePlan', planName: 'pro', billingCycle: 'annual', source: 'operator' })
        .then([planChanged('pro', 'free', 'operator', 'annual')]);
    });

    it('changes nothing when plan and cycle stay the same', () => {
      given(workspaceDecider, active).when(changePlan('free', 'operator')).then([]);
      given(workspaceDecider, active).when(changePlan('free', 'payment')).then([]);
    });

    it('waits for the first payment of a paid plan; the payment ends pending_payment', () => {
      given(workspaceDecider, active).when({ type: 'AwaitFirstPayment', planName: 'pro', billingCycle: 'monthly' }).then([
        paymentAwaited(),
        statusChanged('active', 'pending_payment'),
      ]);
      given(workspaceDecider, [...active, paymentAwaited()]).when(changePlan('pro', 'payment')).then([planChanged('pro', 'free', 'payment'), statusChanged('pending_payment', 'active')]);
      // Created on a paid plan: the payment keeps the plan and ends the wait.
      given(workspaceDecider, [createdPaid, periodStarted(january)]).when(changePlan('pro', 'payment')).then([
        planChanged('pro', 'pro', 'payment'),
        statusChanged('pending_payment', 'active'),
      ]);
    });

    it("keeps pending_payment through an owner's change to a paid plan", () => {
      given(workspaceDecider, [...active, paymentAwaited()]).when(changePlan('team', 'owner')).then([planChanged('team', 'free', 'owner')]);
      expect(statusAfter([...active, paymentAwaited(), planChanged('team', 'free', 'owner')]).derived).toBe('pending_payment');
    });

    it('ends pending_payment with a plan that needs no payment: set by an operator, or free', () => {
      given(workspaceDecider, [...active, paymentAwaited()]).when(changePlan('team', 'operator')).then([planChanged('team', 'free', 'operator'), statusChanged('pending_payment', 'active')]);
      given(workspaceDecider, [createdPaid, periodStarted(january)]).when(changePlan('free', 'cancellation')).then([
        planChanged('free', 'pro', 'cancellation'),
        statusChanged('pending_payment', 'active'),
      ]);
      // The same plan by an operator ends the wait too.
      given(workspaceDecider, [createdPaid, periodStarted(january)]).when(changePlan('pro', 'operator')).then([planChanged('pro', 'pro', 'operator'), statusChanged('pending_payment', 'active')]);
    });

    it('answers a repeated wait for the same plan with nothing, and re-targets a different one', () => {
      given(workspaceDecider, [...active, paymentAwaited()]).when({ type: 'AwaitFirstPayment', planName: 'pro', billingCycle: 'monthly' }).then([]);
      given(workspaceDecider, [...active, paymentAwaited()]).when({ type: 'AwaitFirstPayment', planName: 'team', billingCycle: 'annual' }).then([paymentAwaited('team', 'annual')]);
    });

    it('refuses to await a payment for the free plan or for the plan already paid', () => {
      given(workspaceDecider, active).when({ type: 'AwaitFirstPayment', planName: 'free', billingCycle: 'monthly' }).thenFails('VALIDATION_ERROR', { field: 'plan_name' });
      given(workspaceDecider, [...active, planChanged('pro', 'free', 'payment')])
        .when({ type: 'AwaitFirstPayment', planName: 'pro', billingCycle: 'monthly' })
        .thenFails('CONFLICT');
    });

    it('refuses unknown plans and billing cycles', () => {
      given(workspaceDecider, active).when({ type: 'ChangePlan', planName: 'gold' as never, billingCycle: 'monthly', source: 'operator' }).thenFails('VALIDATION_ERROR', { field: 'plan_name' });
      given(workspaceDecider, active).when({ type: 'ChangePlan', planName: 'pro', billingCycle: 'weekly' as never, source: 'operator' }).thenFails('VALIDATION_ERROR', { field: 'billing_cycle' });
      given(workspaceDecider, active).when(changePlan('pro', 'operator', { reason: ' ' })).thenFails('VALIDATION_ERROR', { field: 'reason' });
    });

    it('is limit_reached at once when a downgrade puts the period usage at or over the new cap', () => {
      given(workspaceDecider, [...active, planChanged('pro', 'free', 'payment')])
        .when(changePlan('free', 'cancellation', { usageOverCap: 'writes' }))
        .then([planChanged('free', 'pro', 'cancellation'), limitReached('writes'), statusChanged('active', 'limit_reached')]);
    });

    it('lifts limit_reached with an upgrade whose caps the usage is below', () => {
      given(workspaceDecider, [...active, limitReached(), statusChanged('active', 'limit_reached')])
        .when(changePlan('team', 'operator', { usageOverCap: null, reason: 'upgrade' }))
        .then([
          { type: 'workspace.plan_changed', data: { workspace_id: 42, plan_name: 'team', billing_cycle: 'monthly', previous_plan_name: 'free', source: 'operator', reason: 'upgrade' } },
          statusChanged('limit_reached', 'active', 'upgrade'),
        ]);
      // Still over the new cap: the limit stays, and so does the status.
      given(workspaceDecider, [...active, limitReached(), statusChanged('active', 'limit_reached')])
        .when(changePlan('pro', 'operator', { usageOverCap: 'runs' }))
        .then([planChanged('pro', 'free', 'operator'), limitReached('runs')]);
    });
  });

  describe('usage periods and limits', () => {
    it('records the limit reached in the current period', () => {
      given(workspaceDecider, active).when({ type: 'RecordLimitReached', periodStart: january.start, unit: 'retrieves' }).then([
        limitReached('retrieves'),
        statusChanged('active', 'limit_reached'),
      ]);
    });

    it('records the limit without a status change while a stronger status holds', () => {
      given(workspaceDecider, [...active, suspended('operator')]).when({ type: 'RecordLimitReached', periodStart: january.start, unit: 'writes' }).then([limitReached('writes')]);
      given(workspaceDecider, [createdPaid, periodStarted(january)]).when({ type: 'RecordLimitReached', periodStart: january.start, unit: 'writes' }).then([limitReached('writes')]);
    });

    it('ignores a limit of another period, and a second limit in the same one', () => {
      given(workspaceDecider, [...active, periodStarted(february)]).when({ type: 'RecordLimitReached', periodStart: january.start, unit: 'writes' }).then([]);
      given(workspaceDecider, [...active, limitReached('writes')]).when({ type: 'RecordLimitReached', periodStart: january.start, unit: 'runs' }).then([]);
    });

    it('starts the next period, which ends limit_reached', () => {
      given(workspaceDecider, active).when({ type: 'StartPeriod', periodStart: february.start, periodEnd: february.end }).then([periodStarted(february)]);
      given(workspaceDecider, [...active, limitReached(), statusChanged('active', 'limit_reached')])
        .when({ type: 'StartPeriod', periodStart: february.start, periodEnd: february.end })
        .then([periodStarted(february), statusChanged('limit_reached', 'active')]);
      // Suspended stays suspended; the limit is lifted underneath.
      given(workspaceDecider, [...active, limitReached(), suspended('operator')])
        .when({ type: 'StartPeriod', periodStart: february.start, periodEnd: february.end })
        .then([periodStarted(february)]);
    });

    it('starts a period once, never before the current one ends, and never backwards', () => {
      given(workspaceDecider, [...active, periodStarted(february)]).when({ type: 'StartPeriod', periodStart: february.start, periodEnd: february.end }).then([]);
      given(workspaceDecider, active).when({ type: 'StartPeriod', periodStart: '2026-02-01T00:00:00.000Z', periodEnd: '2026-03-01T00:00:00.000Z' }).thenFails('CONFLICT');
      given(workspaceDecider, active).when({ type: 'StartPeriod', periodStart: february.end, periodEnd: february.start }).thenFails('VALIDATION_ERROR', { field: 'period' });
    });
  });

  describe('a workspace that does not exist', () => {
    const deleted: WorkspaceEvent = { type: 'workspace.deleted', data: { workspace_id: 42, organization_id: organizationId, erasure_id: 'e-1' } };
    it.each<[string, WorkspaceCommand]>([
      ['a suspension', suspend('operator')],
      ['a reinstatement', reinstate('operator')],
      ['a plan change', changePlan('pro', 'operator')],
      ['a payment wait', { type: 'AwaitFirstPayment', planName: 'pro', billingCycle: 'monthly' }],
      ['a limit', { type: 'RecordLimitReached', periodStart: january.start, unit: 'writes' }],
      ['a period', { type: 'StartPeriod', periodStart: february.start, periodEnd: february.end }],
    ])('answers %s with NOT_FOUND, also once deleted', (_, command) => {
      given(workspaceDecider, []).when(command).thenFails('NOT_FOUND');
      given(workspaceDecider, [...active, deleted]).when(command).thenFails('NOT_FOUND');
    });
  });

  describe('deletion by its owner', () => {
    it('needs the slug repeated', () => {
      given(workspaceDecider, active).when({ type: 'DeleteWorkspace', actorRole: 'owner', erasureId: 'e-2', confirmSlug: 'adas-workspace' }).then([
        { type: 'workspace.deleted', data: { workspace_id: 42, organization_id: organizationId, erasure_id: 'e-2' } },
      ]);
      given(workspaceDecider, active).when({ type: 'DeleteWorkspace', actorRole: 'owner', erasureId: 'e-2', confirmSlug: 'adas-workspac' }).thenFails('VALIDATION_ERROR', { field: 'confirm_slug' });
    });

    it('is refused to anyone but an owner, before the slug is looked at', () => {
      for (const role of ['admin', 'member', 'viewer'] as const) {
        given(workspaceDecider, active).when({ type: 'DeleteWorkspace', actorRole: role, erasureId: 'e-2', confirmSlug: 'adas-workspace' }).thenFails('FORBIDDEN');
        given(workspaceDecider, active).when({ type: 'DeleteWorkspace', actorRole: role, erasureId: 'e-2', confirmSlug: 'wrong' }).thenFails('FORBIDDEN');
      }
    });
  });

  it('keeps the recorded status equal to the derived one through a whole history', () => {
    const history: WorkspaceEvent[] = [
      createdPaid,
      periodStarted(january),
      planChanged('pro', 'pro', 'payment'),
      statusChanged('pending_payment', 'active'),
      limitReached('writes'),
      statusChanged('active', 'limit_reached'),
      suspended('billing'),
      statusChanged('limit_reached', 'suspended'),
      periodStarted(february),
      reinstated('billing'),
      statusChanged('suspended', 'active'),
    ];
    for (let length = 1; length <= history.length; length++) {
      const last = history[length - 1];
      // Right after each status change the recorded status is the derived one.
      if (last.type === 'workspace.status_changed') expect(statusAfter(history.slice(0, length))).toEqual({ derived: last.data.status, recorded: last.data.status });
    }
    expect(statusAfter(history).derived).toBe('active');
  });
});
