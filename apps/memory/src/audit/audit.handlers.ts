import { Controller, Inject } from '@nestjs/common';
import {
  AUDIT_ACTIONS,
  AUDIT_LIMITS,
  AUDIT_OUTCOMES,
  AUDIT_RPC,
  memoryUrn,
  MnemoError,
  parseMemoryUuid,
  parseWorkspaceId,
  type AuditEventResource,
  type ListAuditEventsReply,
  type ListAuditEventsRequest,
  type VerifyAuditChainReply,
  type VerifyAuditChainRequest,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { checkCaller, decodeCursor, encodeCursor, pageLimit } from '../requests';
import { verifyChain, type ChainedRecord } from './audit.chain';
import { AuditCheckpoints } from './audit-checkpoints';

interface AuditRow {
  owner_workspace_id: number;
  seq: string;
  id: string;
  occurred_at: Date;
  actor_workspace_id: number | null;
  actor_key_id: string | null;
  actor_user_id: string | null;
  agent_ref: string | null;
  action: AuditEventResource['action'];
  resource_type: AuditEventResource['resource_type'];
  resource_id: string;
  outcome: AuditEventResource['outcome'];
  cross_tenant: boolean;
  count: number;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

const COLUMNS = `owner_workspace_id, seq, id, occurred_at, actor_workspace_id, actor_key_id, actor_user_id, agent_ref, action, resource_type,
  resource_id, outcome, cross_tenant, count, request_id, prev_hash, hash`;
const VERIFY_PAGE = 5000;

function toResource(row: AuditRow): AuditEventResource {
  return {
    id: row.id,
    seq: Number(row.seq),
    occurred_at: new Date(row.occurred_at).toISOString(),
    owner_workspace_id: row.owner_workspace_id,
    actor_workspace_id: row.actor_workspace_id,
    actor_key_id: row.actor_key_id,
    actor_user_id: row.actor_user_id,
    agent_ref: row.agent_ref,
    action: row.action,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    outcome: row.outcome,
    cross_tenant: row.cross_tenant,
    count: row.count,
    request_id: row.request_id,
    hash: row.hash,
    prev_hash: row.prev_hash,
  };
}

function timestamp(raw: unknown, field: string): string {
  const time = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(time)) throw new MnemoError('VALIDATION_ERROR', `${field} must be an ISO 8601 timestamp`, { field });
  return new Date(time).toISOString();
}

/**
 * The audit log as the API serves it. A workspace lists the records of its own chain (everything about its
 * spaces, keys and members) and the records where it is the actor (its reads of other workspaces' spaces);
 * only the owner of a chain verifies it.
 */
@Controller()
export class AuditHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(AuditCheckpoints) private readonly checkpoints: AuditCheckpoints,
  ) {}

  @RpcHandler('memory', AUDIT_RPC.listAuditEvents)
  async list(request: ListAuditEventsRequest): Promise<ListAuditEventsReply> {
    const caller = checkCaller(request.caller);
    const limit = pageLimit(request.limit, AUDIT_LIMITS.listLimit);
    const where = ['(owner_workspace_id = ? OR actor_workspace_id = ?)'];
    const params: unknown[] = [caller.workspace_id, caller.workspace_id];
    if (request.resource_id !== undefined) {
      if (typeof request.resource_id !== 'string' || request.resource_id.length === 0 || request.resource_id.length > 200) {
        throw new MnemoError('VALIDATION_ERROR', 'resource_id must be an id', { field: 'resource_id' });
      }
      // A space is recorded as `urn:uuid:<uuid>`; its bare UUID finds it too.
      const uuid = parseMemoryUuid(request.resource_id);
      where.push('resource_id IN (?, ?)');
      params.push(request.resource_id, uuid ? memoryUrn(uuid) : request.resource_id);
    }
    if (request.actor_workspace_id !== undefined) {
      const actor = parseWorkspaceId(request.actor_workspace_id);
      if (actor === undefined) throw new MnemoError('VALIDATION_ERROR', 'actor_workspace_id must be a workspace id', { field: 'actor_workspace_id' });
      where.push('actor_workspace_id = ?');
      params.push(actor);
    }
    if (request.action !== undefined) {
      if (!(AUDIT_ACTIONS as readonly unknown[]).includes(request.action)) {
        throw new MnemoError('VALIDATION_ERROR', `action must be one of ${AUDIT_ACTIONS.join(', ')}`, { field: 'action' });
      }
      where.push('action = ?');
      params.push(request.action);
    }
    if (request.outcome !== undefined) {
      if (!(AUDIT_OUTCOMES as readonly unknown[]).includes(request.outcome)) {
        throw new MnemoError('VALIDATION_ERROR', `outcome must be one of ${AUDIT_OUTCOMES.join(', ')}`, { field: 'outcome' });
      }
      where.push('outcome = ?');
      params.push(request.outcome);
    }
    if (request.cross_tenant !== undefined) {
      if (request.cross_tenant !== 'true' && request.cross_tenant !== 'false') {
        throw new MnemoError('VALIDATION_ERROR', 'cross_tenant must be true or false', { field: 'cross_tenant' });
      }
      where.push('cross_tenant = ?');
      params.push(request.cross_tenant === 'true');
    }
    if (request.from !== undefined) {
      where.push('occurred_at >= ?::timestamptz');
      params.push(timestamp(request.from, 'from'));
    }
    if (request.to !== undefined) {
      where.push('occurred_at < ?::timestamptz');
      params.push(timestamp(request.to, 'to'));
    }
    if (request.cursor !== undefined) {
      const position = decodeCursor(request.cursor);
      if (typeof position.id !== 'string' || !parseMemoryUuid(position.id)) throw new MnemoError('VALIDATION_ERROR', 'cursor is not valid', { field: 'cursor' });
      where.push('id > ?::uuid');
      params.push(position.id);
    }
    // Ids are UUIDv7: their order is the order records were written in, across chains.
    const rows = await this.runtime.orm.em
      .fork()
      .execute<AuditRow[]>(`SELECT ${COLUMNS} FROM audit_events WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, [...params, limit + 1]);
    const page = rows.slice(0, limit);
    return { audit_events: page.map(toResource), next_cursor: rows.length > limit ? encodeCursor({ id: page[page.length - 1].id }) : null };
  }

  /**
   * Recomputes the caller's workspace's chain and checks it against every signed checkpoint. The checkpoints
   * are read first: every record they cover had committed before they were published, so the rows read
   * afterwards (in one snapshot with the chain head) must reach them.
   */
  @RpcHandler('memory', AUDIT_RPC.verifyAuditChain)
  async verify(request: VerifyAuditChainRequest): Promise<VerifyAuditChainReply> {
    const caller = checkCaller(request.caller);
    const chain = caller.workspace_id;
    const lookup = await this.checkpoints.all(chain);
    const { headSeq, rows } = await this.runtime.orm.em.fork().transactional(async (em) => {
      await em.execute('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const [head] = await em.execute<{ seq: string }[]>('SELECT seq FROM chain_heads WHERE owner_workspace_id = ?', [chain]);
      const all: ChainedRecord[] = [];
      for (let after = 0; ; ) {
        const page = await em.execute<AuditRow[]>(`SELECT ${COLUMNS} FROM audit_events WHERE owner_workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?`, [chain, after, VERIFY_PAGE]);
        all.push(...page.map((row) => ({ ...toResource(row) })));
        if (page.length < VERIFY_PAGE) break;
        after = Number(page[page.length - 1].seq);
      }
      return { headSeq: head ? Number(head.seq) : 0, rows: all };
    });
    const verdict = verifyChain(rows, headSeq, lookup.checkpoints);
    // A checkpoint this service did not sign on the chain's subject: the chain cannot be vouched for.
    if (lookup.forged) return { valid: false, checked: 0, first_broken_seq: 1, last_checkpoint_seq: verdict.last_checkpoint_seq };
    return verdict.valid ? { valid: true, checked: verdict.checked, last_checkpoint_seq: verdict.last_checkpoint_seq } : verdict;
  }
}
