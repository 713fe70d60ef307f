import { createHash } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { MnemoError, type AuditAction, type AuditOutcome, type AuditResourceType, type MemoryCaller } from '@mnemo/contracts';
import type { Logger } from '@mnemo/observability';
import { chainRecords, GENESIS_HASH, type AuditRecord } from './audit.chain';

/**
 * The audit row could not be written inside a command's transaction: the command rolls back and the caller
 * answers UNAVAILABLE (a plain Error, so the event store's pipeline does not store it as the command's answer).
 */
export class AuditUnavailable extends Error {
  constructor(cause: unknown) {
    super('the audit log could not record', { cause });
    this.name = 'AuditUnavailable';
  }

  toMnemoError(): MnemoError {
    return new MnemoError('UNAVAILABLE', 'the audit log is unavailable; nothing was changed, retry later');
  }
}

/** One thing to record; the log adds id, seq, time and the hashes. */
export interface AuditEntry {
  ownerWorkspaceId: number;
  actorWorkspaceId: number | null;
  actorKeyId: string | null;
  actorUserId: string | null;
  agentRef: string | null;
  action: AuditAction;
  resourceType: AuditResourceType;
  resourceId: string;
  outcome: AuditOutcome;
  crossTenant: boolean;
  count?: number;
  requestId: string | null;
}

/** The agent as the log shows it: a digest of `<workspace_id>:<agent_id>`, never the agent id itself. */
export function agentRef(workspaceId: number, agentId: string | null): string | null {
  return agentId === null ? null : createHash('sha256').update(`${workspaceId}:${agentId}`).digest('hex');
}

/** The actor fields of an entry from an opaque principal (`user:<id>`, `key:<id>`, `system:<name>`). */
export function actorOf(principal: string | null | undefined): Pick<AuditEntry, 'actorKeyId' | 'actorUserId'> {
  if (principal?.startsWith('key:')) return { actorKeyId: principal.slice(4), actorUserId: null };
  if (principal?.startsWith('user:')) return { actorKeyId: null, actorUserId: principal.slice(5) };
  return { actorKeyId: null, actorUserId: null };
}

/** The actor fields for a memory caller. */
export function callerActor(caller: MemoryCaller): Pick<AuditEntry, 'actorWorkspaceId' | 'actorKeyId' | 'actorUserId' | 'agentRef'> {
  return { actorWorkspaceId: caller.workspace_id, ...actorOf(caller.principal), agentRef: agentRef(caller.workspace_id, caller.agent_id) };
}

interface RefusalWindowRow {
  owner_workspace_id: number;
  actor: string;
  resource_id: string;
  window_start: Date;
  further_attempts: number;
  summary: AuditEntry;
}

interface PendingRecord {
  entries: AuditEntry[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

const GROUP_COMMIT_RECORDS = 500;

/** Millisecond ISO time from the app's clock: what enters the hash is exactly what is stored and shown. */
function nowIso(): string {
  return new Date().toISOString();
}

/**
 * The per-owner hash chains (DESIGN.md "Audit log"). `append` links records onto their chain inside the caller's
 * transaction, taking the `chain_heads` row FOR UPDATE as its last step, so the lock is held only for the insert
 * and the COMMIT. `record` and `recordRefusal` run their own transaction and are fail-closed: when the row
 * cannot commit they throw UNAVAILABLE, and the caller answers that instead of the data.
 */
export class AuditLog {
  constructor(
    private readonly orm: MikroORM,
    private readonly logger: Logger,
    private readonly refusalWindowMs: number,
  ) {}

  async append(em: EntityManager, entries: AuditEntry[]): Promise<void> {
    const byOwner = new Map<number, AuditEntry[]>();
    for (const entry of entries) byOwner.set(entry.ownerWorkspaceId, [...(byOwner.get(entry.ownerWorkspaceId) ?? []), entry]);
    // Several chains in one transaction are locked in one order, so two such transactions cannot deadlock.
    for (const owner of [...byOwner.keys()].sort((a, b) => a - b)) {
      let [head] = await em.execute<{ seq: string; hash: string }[]>('SELECT seq, hash FROM chain_heads WHERE owner_workspace_id = ? FOR UPDATE', [owner]);
      if (!head) {
        await em.execute('INSERT INTO chain_heads (owner_workspace_id, seq, hash) VALUES (?, 0, ?) ON CONFLICT DO NOTHING', [owner, GENESIS_HASH]);
        [head] = await em.execute<{ seq: string; hash: string }[]>('SELECT seq, hash FROM chain_heads WHERE owner_workspace_id = ? FOR UPDATE', [owner]);
      }
      const occurredAt = nowIso();
      const records: Omit<AuditRecord, 'seq'>[] = byOwner.get(owner)!.map((entry) => ({
        id: uuidv7(),
        occurred_at: occurredAt,
        owner_workspace_id: owner,
        actor_workspace_id: entry.actorWorkspaceId,
        actor_key_id: entry.actorKeyId,
        actor_user_id: entry.actorUserId,
        agent_ref: entry.agentRef,
        action: entry.action,
        resource_type: entry.resourceType,
        resource_id: entry.resourceId,
        outcome: entry.outcome,
        cross_tenant: entry.crossTenant,
        count: entry.count ?? 1,
        request_id: entry.requestId,
      }));
      const chained = chainRecords({ seq: Number(head.seq), hash: head.hash }, records);
      const last = chained[chained.length - 1];
      await em.execute(
        `WITH inserted AS (
           INSERT INTO audit_events (owner_workspace_id, seq, id, occurred_at, actor_workspace_id, actor_key_id, actor_user_id, agent_ref,
             action, resource_type, resource_id, outcome, cross_tenant, count, request_id, prev_hash, hash)
           VALUES ${chained.map(() => '(?, ?, ?, ?::timestamptz, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
           RETURNING 1
         )
         UPDATE chain_heads SET seq = ?, hash = ? WHERE owner_workspace_id = ? AND (SELECT count(*) FROM inserted) = ?`,
        [
          ...chained.flatMap((r) => [
            r.owner_workspace_id,
            r.seq,
            r.id,
            r.occurred_at,
            r.actor_workspace_id,
            r.actor_key_id,
            r.actor_user_id,
            r.agent_ref,
            r.action,
            r.resource_type,
            r.resource_id,
            r.outcome,
            r.cross_tenant,
            r.count,
            r.request_id,
            r.prev_hash,
            r.hash,
          ]),
          last.seq,
          last.hash,
          owner,
          chained.length,
        ],
      );
    }
  }

  /**
   * Records in a transaction of its own, committed before the caller answers; UNAVAILABLE when it cannot.
   * Group commit: records of one chain that arrive while its previous transaction runs are appended together in
   * the next, so concurrent readers of one owner's spaces share a lock and a COMMIT instead of queueing for one
   * each. A failed transaction fails exactly the requests whose records it held.
   */
  async record(entries: AuditEntry[]): Promise<void> {
    const byOwner = new Map<number, AuditEntry[]>();
    for (const entry of entries) byOwner.set(entry.ownerWorkspaceId, [...(byOwner.get(entry.ownerWorkspaceId) ?? []), entry]);
    await Promise.all([...byOwner].map(([owner, list]) => this.enqueue(owner, list)));
  }

  private readonly pending = new Map<number, PendingRecord[]>();
  private readonly flushing = new Set<number>();

  private enqueue(owner: number, entries: AuditEntry[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.pending.get(owner) ?? [];
      queue.push({ entries, resolve, reject });
      this.pending.set(owner, queue);
      if (!this.flushing.has(owner)) void this.flush(owner);
    });
  }

  private async flush(owner: number): Promise<void> {
    this.flushing.add(owner);
    try {
      for (;;) {
        const queue = this.pending.get(owner);
        if (!queue || queue.length === 0) break;
        // At most GROUP_COMMIT_RECORDS per transaction (the insert's parameters stay far below PostgreSQL's limit).
        const batch: PendingRecord[] = [];
        let size = 0;
        while (queue.length > 0 && (batch.length === 0 || size + queue[0].entries.length <= GROUP_COMMIT_RECORDS)) {
          const next = queue.shift()!;
          size += next.entries.length;
          batch.push(next);
        }
        if (queue.length === 0) this.pending.delete(owner);
        try {
          await this.failClosed(() => this.orm.em.fork().transactional((em) => this.append(em, batch.flatMap((item) => item.entries))));
          for (const item of batch) item.resolve();
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.flushing.delete(owner);
    }
  }

  /**
   * A refused attempt on a space: the first per (actor, space, window) is recorded at once; further ones in the
   * window are only counted, and `flushClosedWindows` writes them as one summary record (with `count`) once the
   * window has closed. A stranger cannot flood an owner's chain, and no audit row is ever updated.
   */
  async recordRefusal(entry: AuditEntry & { actor: string }): Promise<void> {
    const { actor, ...summary } = entry;
    const start = Math.floor(Date.now() / this.refusalWindowMs) * this.refusalWindowMs;
    await this.failClosed(() =>
      this.orm.em.fork().transactional(async (em) => {
        const [window] = await em.execute<{ first: boolean }[]>(
          `INSERT INTO audit_refusal_windows (owner_workspace_id, actor, resource_id, window_start, window_end, summary)
           VALUES (?, ?, ?, ?::timestamptz, ?::timestamptz, ?::jsonb)
           ON CONFLICT (owner_workspace_id, actor, resource_id, window_start) DO UPDATE SET further_attempts = audit_refusal_windows.further_attempts + 1
           RETURNING (xmax = 0) AS first`,
          [entry.ownerWorkspaceId, actor, entry.resourceId, new Date(start).toISOString(), new Date(start + this.refusalWindowMs).toISOString(), JSON.stringify({ ...summary, requestId: null })],
        );
        if (window.first) await this.append(em, [summary]);
      }),
    );
  }

  /** Writes one summary record per closed window that counted further attempts, and forgets closed windows. */
  async flushClosedWindows(): Promise<number> {
    return this.orm.em.fork().transactional(async (em) => {
      const now = new Date().toISOString();
      const due = await em.execute<RefusalWindowRow[]>(
        `SELECT owner_workspace_id, actor, resource_id, window_start, further_attempts, summary FROM audit_refusal_windows
         WHERE window_end <= ?::timestamptz ORDER BY window_end LIMIT 200 FOR UPDATE SKIP LOCKED`,
        [now],
      );
      if (due.length === 0) return 0;
      for (const window of due) {
        await em.execute('DELETE FROM audit_refusal_windows WHERE owner_workspace_id = ? AND actor = ? AND resource_id = ? AND window_start = ?', [
          window.owner_workspace_id,
          window.actor,
          window.resource_id,
          window.window_start,
        ]);
      }
      const summaries = due.filter((window) => window.further_attempts > 0).map((window) => ({ ...window.summary, count: window.further_attempts }));
      if (summaries.length > 0) await this.append(em, summaries);
      return summaries.length;
    });
  }

  private async failClosed(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.error({ err: error }, 'the audit log could not record; refusing to answer');
      throw new MnemoError('UNAVAILABLE', 'the audit log is unavailable; nothing was answered, retry later');
    }
  }
}
