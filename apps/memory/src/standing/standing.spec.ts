import { HTTP_STATUS_BY_CODE, type EventEnvelope } from '@mnemo/contracts';
import { addUtcMonths, calendarMonthOf, evolveStanding, standingRefusal, standingStep, usagePeriodAt, type WorkspaceStanding } from './standing';

let version = 0;
function event(type: string, data: Record<string, unknown>, occurredAt = '2026-03-10T12:00:00.000Z'): EventEnvelope {
  return { id: `e${++version}`, type, schemaVersion: 1, streamId: 'workspace-7', streamVersion: version, workspaceId: '7', actor: 'user:u', occurredAt, data };
}

const active: WorkspaceStanding = {
  workspaceId: 7,
  status: 'active',
  planName: 'free',
  periodStart: '2026-03-10T00:00:00.000Z',
  periodEnd: '2026-04-10T00:00:00.000Z',
  deleted: false,
  lastVersion: 3,
};

describe('workspace standing', () => {
  describe('evolve', () => {
    it('starts at workspace.created with its status and plan, in the calendar month until a period is named', () => {
      const created = evolveStanding(undefined, event('workspace.created', { workspace_id: 7, status: 'active', plan_name: 'pro' }));
      expect(created).toMatchObject({ workspaceId: 7, status: 'active', planName: 'pro', periodStart: '2026-03-01T00:00:00.000Z', periodEnd: '2026-04-01T00:00:00.000Z', deleted: false });
      const period = evolveStanding(created, event('workspace.period_started', { workspace_id: 7, period_start: '2026-03-10T12:00:00Z', period_end: '2026-04-10T12:00:00Z' }));
      expect(period).toMatchObject({ periodStart: '2026-03-10T12:00:00.000Z', periodEnd: '2026-04-10T12:00:00.000Z', planName: 'pro' });
    });

    it('keeps a seeded period when workspace.created arrives after the seed', () => {
      const seeded = { ...active, status: 'suspended' as const, lastVersion: 0 };
      expect(evolveStanding(seeded, event('workspace.created', { workspace_id: 7, status: 'active', plan_name: 'free' }))).toMatchObject({
        status: 'active',
        periodStart: active.periodStart,
        periodEnd: active.periodEnd,
      });
    });

    it('follows status, plan and deletion, and only advances the version on other events', () => {
      const suspended = evolveStanding(active, event('workspace.status_changed', { workspace_id: 7, status: 'suspended', previous_status: 'active', reason: 'abuse' }))!;
      expect(suspended.status).toBe('suspended');
      expect(suspended.lastVersion).toBe(version);
      const team = evolveStanding(suspended, event('workspace.plan_changed', { workspace_id: 7, plan_name: 'team', billing_cycle: 'annual', previous_plan_name: 'free', source: 'operator' }))!;
      expect(team).toMatchObject({ status: 'suspended', planName: 'team' });
      const renamed = evolveStanding(team, event('workspace.details_updated', { workspace_id: 7, name: 'x', domain: null }))!;
      expect({ ...renamed, lastVersion: 0 }).toEqual({ ...team, lastVersion: 0 });
      expect(renamed.lastVersion).toBe(version);
      expect(evolveStanding(renamed, event('workspace.deleted', { workspace_id: 7, organization_id: 'o', erasure_id: null }))!.deleted).toBe(true);
    });

    it('keeps nothing for a lifecycle fact about a workspace it has not seen (the next request seeds it)', () => {
      expect(evolveStanding(undefined, event('workspace.status_changed', { workspace_id: 7, status: 'suspended', previous_status: 'active', reason: null }))).toBeUndefined();
      expect(evolveStanding(undefined, event('workspace.period_started', { workspace_id: 7, period_start: '2026-03-10T00:00:00Z', period_end: '2026-04-10T00:00:00Z' }))).toBeUndefined();
    });
  });

  describe('order', () => {
    const at = (type: string, streamVersion: number) => ({ type, streamVersion });

    it('applies each next version in order', () => {
      expect(standingStep({ lastVersion: 1 }, at('workspace.period_started', 2))).toBe('apply');
      expect(standingStep({ lastVersion: 3 }, at('workspace.status_changed', 4))).toBe('apply');
    });

    it('skips what the row already reflects (a redelivery, an older event)', () => {
      expect(standingStep({ lastVersion: 3 }, at('workspace.status_changed', 3))).toBe('skip');
      expect(standingStep({ lastVersion: 3 }, at('workspace.created', 1))).toBe('skip');
    });

    it('resyncs at a creation (it names no period), on a gap, on a row seeded at an unknown version, and on a stream first seen mid-way', () => {
      expect(standingStep(undefined, at('workspace.created', 1))).toBe('resync');
      expect(standingStep({ lastVersion: 3 }, at('workspace.status_changed', 5))).toBe('resync');
      expect(standingStep({ lastVersion: 0 }, at('workspace.created', 1))).toBe('resync');
      expect(standingStep(undefined, at('workspace.status_changed', 57))).toBe('resync');
    });
  });

  describe('refusals', () => {
    const now = new Date('2026-04-09T23:59:00.500Z');

    it.each([
      ['active', null, 200],
      ['suspended', 'WORKSPACE_SUSPENDED', 403],
      ['pending_payment', 'PAYMENT_REQUIRED', 402],
      ['limit_reached', 'LIMIT_REACHED', 429],
    ] as const)('%s → %s (%d)', (status, code, httpStatus) => {
      const refusal = standingRefusal({ ...active, status }, now);
      expect(refusal?.code ?? null).toBe(code);
      expect(refusal ? HTTP_STATUS_BY_CODE[refusal.code] : 200).toBe(httpStatus);
    });

    it('limit_reached carries Retry-After at the period end, rounded up', () => {
      expect(standingRefusal({ ...active, status: 'limit_reached' }, now)?.details).toMatchObject({ period_end: active.periodEnd, retry_after_seconds: 60 });
    });

    it('a deleted workspace is not found, whatever its status', () => {
      expect(standingRefusal({ ...active, status: 'suspended', deleted: true }, now)?.code).toBe('NOT_FOUND');
    });
  });

  describe('periods', () => {
    it('uses the standing period until its end (exclusive), then the next months on the same anchor', () => {
      expect(usagePeriodAt(active, new Date('2026-04-09T23:59:59.999Z'))).toEqual({ start: active.periodStart, end: active.periodEnd });
      expect(usagePeriodAt(active, new Date('2026-04-10T00:00:00.000Z'))).toEqual({ start: '2026-04-10T00:00:00.000Z', end: '2026-05-10T00:00:00.000Z' });
      expect(usagePeriodAt(active, new Date('2026-06-11T00:00:00.000Z'))).toEqual({ start: '2026-06-10T00:00:00.000Z', end: '2026-07-10T00:00:00.000Z' });
    });

    it('clamps the anchor day to short months and returns to it after', () => {
      const jan31 = { periodStart: '2026-01-31T00:00:00.000Z', periodEnd: '2026-02-28T00:00:00.000Z' };
      expect(usagePeriodAt(jan31, new Date('2026-03-01T00:00:00.000Z'))).toEqual({ start: '2026-02-28T00:00:00.000Z', end: '2026-03-31T00:00:00.000Z' });
      const feb28 = { periodStart: '2026-02-28T00:00:00.000Z', periodEnd: '2026-03-31T00:00:00.000Z' };
      expect(usagePeriodAt(feb28, new Date('2026-04-01T00:00:00.000Z'))).toEqual({ start: '2026-03-31T00:00:00.000Z', end: '2026-04-30T00:00:00.000Z' });
      expect(usagePeriodAt(feb28, new Date('2026-05-01T00:00:00.000Z'))).toEqual({ start: '2026-04-30T00:00:00.000Z', end: '2026-05-31T00:00:00.000Z' });
      expect(addUtcMonths(new Date('2024-01-31T05:00:00Z'), 1).toISOString()).toBe('2024-02-29T05:00:00.000Z');
      expect(calendarMonthOf(new Date('2026-12-31T23:59:59Z'))).toEqual({ start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
    });
  });
});
