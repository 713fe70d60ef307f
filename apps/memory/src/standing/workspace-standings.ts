import type { EntityManager } from '@mikro-orm/postgresql';
import {
  MnemoError,
  WORKSPACES_RPC,
  type EventEnvelope,
  type GetWorkspaceStandingReply,
  type PlanName,
  type WorkspaceStatus,
} from '@mnemo/contracts';
import type { EventConsumerOptions, ServiceRuntime } from '@mnemo/messaging';
import { calendarMonthOf, evolveStanding, standingRefusal, standingStep, workspaceIdOf, type WorkspaceStanding } from './standing';

interface StandingRow {
  workspace_id: number;
  status: WorkspaceStatus;
  plan_name: PlanName;
  period_start: Date;
  period_end: Date;
  deleted: boolean;
  last_version: number;
}

const SELECT_STANDING = 'SELECT workspace_id, status, plan_name, period_start, period_end, deleted, last_version FROM workspace_standings WHERE workspace_id = ?';

function toStanding(row: StandingRow): WorkspaceStanding {
  return {
    workspaceId: row.workspace_id,
    status: row.status,
    planName: row.plan_name,
    periodStart: new Date(row.period_start).toISOString(),
    periodEnd: new Date(row.period_end).toISOString(),
    deleted: row.deleted,
    lastVersion: row.last_version,
  };
}

async function writeStanding(em: EntityManager, standing: WorkspaceStanding): Promise<void> {
  await em.execute(
    `INSERT INTO workspace_standings (workspace_id, status, plan_name, period_start, period_end, deleted, last_version, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, now())
     ON CONFLICT (workspace_id) DO UPDATE SET status = EXCLUDED.status, plan_name = EXCLUDED.plan_name, period_start = EXCLUDED.period_start,
       period_end = EXCLUDED.period_end, deleted = EXCLUDED.deleted, last_version = EXCLUDED.last_version, updated_at = now()`,
    [standing.workspaceId, standing.status, standing.planName, standing.periodStart, standing.periodEnd, standing.deleted, standing.lastVersion],
  );
}

/**
 * Workspace status, plan and usage period as the memory service sees them: the `workspace_standings`
 * projection, kept from the workspaces service's stream by a durable consumer (`consumerOptions`). A miss is
 * never "not found": the workspaces service is asked (`getWorkspaceStanding`) and the row seeded.
 */
export class WorkspaceStandings {
  constructor(private readonly runtime: Pick<ServiceRuntime, 'orm' | 'rpc'>) {}

  /** The workspace's standing; a deleted workspace is returned with `deleted` (callers refuse it as 404). */
  async get(workspaceId: number, em: EntityManager = this.runtime.orm.em.fork()): Promise<WorkspaceStanding> {
    const [row] = await em.execute<StandingRow[]>(SELECT_STANDING, [workspaceId]);
    if (row) return toStanding(row);
    return this.seed(workspaceId, em);
  }

  /**
   * The standing of a workspace whose memory calls may proceed; otherwise the refusal of DESIGN.md: suspended
   * 403 `WORKSPACE_SUSPENDED`, pending payment 402 `PAYMENT_REQUIRED`, limit reached 429 `LIMIT_REACHED` with
   * `Retry-After` at the period's end, deleted 404.
   */
  async admit(workspaceId: number, em?: EntityManager, now = new Date()): Promise<WorkspaceStanding> {
    const standing = await this.get(workspaceId, em);
    const refusal = standingRefusal(standing, now);
    if (refusal) throw refusal;
    return standing;
  }

  /** The workspaces service's current standing of the workspace, or null when it has none (never or no more). */
  private async fetch(workspaceId: number, lastVersion: number): Promise<WorkspaceStanding | null> {
    const reply = await this.runtime.rpc.call<GetWorkspaceStandingReply>('workspaces', WORKSPACES_RPC.getWorkspaceStanding, { workspace_id: workspaceId });
    if (!reply.ok) {
      if (reply.error.code === 'NOT_FOUND') return null;
      throw new MnemoError('UNAVAILABLE', 'the workspace standing could not be confirmed; retry');
    }
    // Until the workspaces service names the period, the calendar month (its `workspace.period_started` follows).
    const period = reply.data.period_start && reply.data.period_end ? { start: reply.data.period_start, end: reply.data.period_end } : calendarMonthOf(new Date());
    return {
      workspaceId,
      status: reply.data.status,
      planName: reply.data.plan_name,
      periodStart: new Date(period.start).toISOString(),
      periodEnd: new Date(period.end).toISOString(),
      deleted: false,
      lastVersion,
    };
  }

  private async seed(workspaceId: number, em: EntityManager): Promise<WorkspaceStanding> {
    const seeded = await this.fetch(workspaceId, 0);
    if (!seeded) throw new MnemoError('NOT_FOUND', 'no such workspace');
    // The consumer may have written the row meanwhile: its row wins, it knows the version it reflects.
    await em.execute(
      `INSERT INTO workspace_standings (workspace_id, status, plan_name, period_start, period_end, last_version)
       VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (workspace_id) DO NOTHING`,
      [seeded.workspaceId, seeded.status, seeded.planName, seeded.periodStart, seeded.periodEnd],
    );
    const [row] = await em.execute<StandingRow[]>(SELECT_STANDING, [workspaceId]);
    return row ? toStanding(row) : seeded;
  }

  /**
   * Applies one workspaces event in the consumer's transaction (its inbox row drops redeliveries): in stream
   * order by the row's `last_version`, or a resync from the workspaces service when the order is unknown
   * (`standingStep`).
   */
  async apply(em: EntityManager, event: EventEnvelope): Promise<void> {
    if (!event.type.startsWith('workspace.')) return;
    const workspaceId = workspaceIdOf(event);
    if (workspaceId === undefined) return;
    const [row] = await em.execute<StandingRow[]>(`${SELECT_STANDING} FOR UPDATE`, [workspaceId]);
    const current = row && toStanding(row);
    const step = standingStep(current, event);
    if (step === 'skip') return;
    if (step === 'apply') {
      const next = evolveStanding(current, event);
      if (next) await writeStanding(em, next);
      return;
    }
    const fresh = await this.fetch(workspaceId, event.streamVersion);
    // Gone from the workspaces service: a deleted workspace (its rows there are erased).
    if (fresh) await writeStanding(em, fresh);
    else if (current) await writeStanding(em, { ...current, deleted: true, lastVersion: event.streamVersion });
  }

  /**
   * The durable consumer of the workspaces service's workspace aggregate (`<prefix>.workspaces.workspace.>`),
   * unordered in the library's sense: `apply` keeps each workspace's order itself, so a gap or a stream whose
   * beginning has expired resyncs instead of waiting for an event that will not come.
   */
  static consumerOptions(runtime: Pick<ServiceRuntime, 'orm' | 'rpc' | 'names'>): Omit<EventConsumerOptions, 'nc' | 'names' | 'orm' | 'logger' | 'app'> {
    const standings = new WorkspaceStandings(runtime);
    return {
      name: 'workspace-standings',
      source: 'workspaces',
      filterSubject: runtime.names.event('workspaces', 'workspace', '>'),
      ordered: false,
      handle: (em, event) => standings.apply(em, event),
    };
  }
}
