import {
  MnemoError,
  PLAN_NAMES,
  WORKSPACE_STATUSES,
  WORKSPACES_EVENT_TYPES,
  type EventEnvelope,
  type PlanName,
  type WorkspaceCreated,
  type WorkspacePeriodStarted,
  type WorkspacePlanChanged,
  type WorkspaceStatus,
  type WorkspaceStatusChanged,
} from '@mnemo/contracts';

/**
 * What the memory service knows of a workspace: the status the workspaces service derived (precedence
 * suspended > pending_payment > limit_reached > active is applied there, so one status arrives), the plan, and
 * the current monthly usage period (ISO 8601 UTC, end exclusive).
 */
export interface WorkspaceStanding {
  workspaceId: number;
  status: WorkspaceStatus;
  planName: PlanName;
  periodStart: string;
  periodEnd: string;
  deleted: boolean;
  /** The workspace stream's version the consumer applied; 0 for a row seeded by RPC. */
  lastVersion: number;
}

export interface UsagePeriod {
  start: string;
  end: string;
}

/** `date` plus `months` calendar months in UTC, the day clamped to the month's last (Jan 31 + 1 → Feb 28/29). */
export function addUtcMonths(date: Date, months: number, anchorDay = date.getUTCDate()): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(anchorDay, lastDay), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()));
}

/** The calendar month around `at`: the period assumed until the workspaces service names one. */
export function calendarMonthOf(at: Date): UsagePeriod {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  return { start: start.toISOString(), end: addUtcMonths(start, 1).toISOString() };
}

/**
 * The usage period `now` falls in. Normally the standing's; when its end has passed and the workspaces
 * service's rollover (or our consumer) has not caught up yet, the next monthly periods on the same anchor, so
 * units are never counted into a period that is over (`workspace.period_started` then confirms it).
 */
export function usagePeriodAt(standing: Pick<WorkspaceStanding, 'periodStart' | 'periodEnd'>, now: Date): UsagePeriod {
  let start = new Date(standing.periodStart);
  let end = new Date(standing.periodEnd);
  // The anchor day (periods run from the workspace's creation day, clamped to short months): of two adjacent
  // months at most one is short, so the larger of the two days is the anchor.
  const anchorDay = Math.max(start.getUTCDate(), end.getUTCDate());
  for (let step = 1; now.getTime() >= end.getTime(); step++) {
    start = end;
    end = addUtcMonths(new Date(standing.periodStart), step + 1, anchorDay);
  }
  return { start: start.toISOString(), end: end.toISOString() };
}

/** Whole seconds until `end`, at least 1: the `Retry-After` of a limit that lifts when the period ends. */
export function secondsUntil(end: string, now: Date): number {
  return Math.max(1, Math.ceil((new Date(end).getTime() - now.getTime()) / 1000));
}

/** The refusal of a `limit_reached` workspace or of a unit over its cap: 429 with Retry-After at the period's end. */
export function limitReached(message: string, periodEnd: string, now: Date, details: Record<string, unknown> = {}): MnemoError {
  return new MnemoError('LIMIT_REACHED', message, { ...details, period_end: periodEnd, retry_after_seconds: secondsUntil(periodEnd, now) });
}

/** Why a memory call of this workspace is refused, or null when it may proceed (DESIGN.md "Tenancy and security"). */
export function standingRefusal(standing: WorkspaceStanding, now: Date): MnemoError | null {
  if (standing.deleted) return new MnemoError('NOT_FOUND', 'no such workspace');
  switch (standing.status) {
    case 'suspended':
      return new MnemoError('WORKSPACE_SUSPENDED', 'this workspace is suspended; memory calls are refused until it is reinstated');
    case 'pending_payment':
      return new MnemoError('PAYMENT_REQUIRED', 'this workspace has a payment pending; memory calls resume once it is paid');
    case 'limit_reached': {
      const period = usagePeriodAt(standing, now);
      return limitReached("this workspace has used its plan's units for the current period", period.end, now, { reason: 'limit_reached' });
    }
    case 'active':
      return null;
  }
}

function isStatus(value: unknown): value is WorkspaceStatus {
  return (WORKSPACE_STATUSES as readonly unknown[]).includes(value);
}

function isPlan(value: unknown): value is PlanName {
  return (PLAN_NAMES as readonly unknown[]).includes(value);
}

/** The workspace an event of the workspace stream concerns. */
export function workspaceIdOf(event: EventEnvelope): number | undefined {
  const fromData = (event.data as { workspace_id?: unknown }).workspace_id;
  const id = typeof fromData === 'number' ? fromData : Number(event.workspaceId);
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

/**
 * What the consumer does with one event of a workspace stream, given the row it has. The row's `lastVersion`
 * is the stream version it reflects; 0 means seeded by RPC at an unknown version. In order (`last + 1`) an
 * event is applied; an older one is skipped; anything else — the first event of a workspace (its creation
 * names no usage period; the service's answer does), a gap, a row seeded at an unknown version, a workspace
 * whose creation expired from the stream before this consumer first ran — is a `resync`: the
 * workspaces service's current standing, which already includes this committed event, replaces the row at
 * this event's version. So no event is ever waited for, and a late-joining consumer still follows.
 */
export function standingStep(current: Pick<WorkspaceStanding, 'lastVersion'> | undefined, event: Pick<EventEnvelope, 'type' | 'streamVersion'>): 'apply' | 'skip' | 'resync' {
  if (!current || current.lastVersion === 0) return 'resync';
  if (event.streamVersion <= current.lastVersion) return 'skip';
  return event.streamVersion === current.lastVersion + 1 ? 'apply' : 'resync';
}

/**
 * The projection's evolve: the standing after one event of the workspace's stream, or undefined when there is
 * still nothing to keep (a lifecycle fact about a workspace whose creation we have not seen: the next request
 * seeds it by RPC, with the state that fact already produced). Events in order; unknown types only advance
 * `lastVersion`.
 */
export function evolveStanding(current: WorkspaceStanding | undefined, event: EventEnvelope): WorkspaceStanding | undefined {
  const lastVersion = event.streamVersion;
  switch (event.type) {
    case WORKSPACES_EVENT_TYPES.workspaceCreated: {
      const data = event.data as unknown as WorkspaceCreated;
      const period = current ? { start: current.periodStart, end: current.periodEnd } : calendarMonthOf(new Date(event.occurredAt));
      return {
        workspaceId: data.workspace_id,
        status: isStatus(data.status) ? data.status : 'active',
        planName: isPlan(data.plan_name) ? data.plan_name : 'free',
        periodStart: period.start,
        periodEnd: period.end,
        deleted: false,
        lastVersion,
      };
    }
    case WORKSPACES_EVENT_TYPES.workspaceStatusChanged: {
      const data = event.data as unknown as WorkspaceStatusChanged;
      return current && isStatus(data.status) ? { ...current, status: data.status, lastVersion } : current && { ...current, lastVersion };
    }
    case WORKSPACES_EVENT_TYPES.workspacePlanChanged: {
      const data = event.data as unknown as WorkspacePlanChanged;
      return current && isPlan(data.plan_name) ? { ...current, planName: data.plan_name, lastVersion } : current && { ...current, lastVersion };
    }
    case WORKSPACES_EVENT_TYPES.workspacePeriodStarted: {
      const data = event.data as unknown as WorkspacePeriodStarted;
      return current && { ...current, periodStart: new Date(data.period_start).toISOString(), periodEnd: new Date(data.period_end).toISOString(), lastVersion };
    }
    case WORKSPACES_EVENT_TYPES.workspaceDeleted:
      return current && { ...current, deleted: true, lastVersion };
    default:
      return current && { ...current, lastVersion };
  }
}
