import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditCheckpoint, AuditEventResource } from '@mnemo/contracts';

/** The `prev_hash` of the first record of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed fields of a record: everything but `hash` itself (`prev_hash` enters the hash as its prefix). */
export type AuditRecord = Omit<AuditEventResource, 'hash' | 'prev_hash'>;

export interface ChainedRecord extends AuditRecord {
  prev_hash: string;
  hash: string;
}

/** RFC 8785 (JCS) canonical JSON, so any implementation can recompute a hash. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no canonical JSON form');
  return text;
}

function recordFields(record: AuditRecord): AuditRecord {
  return {
    id: record.id,
    seq: record.seq,
    occurred_at: record.occurred_at,
    owner_workspace_id: record.owner_workspace_id,
    actor_workspace_id: record.actor_workspace_id,
    actor_key_id: record.actor_key_id,
    actor_user_id: record.actor_user_id,
    agent_ref: record.agent_ref,
    action: record.action,
    resource_type: record.resource_type,
    resource_id: record.resource_id,
    outcome: record.outcome,
    cross_tenant: record.cross_tenant,
    count: record.count,
    request_id: record.request_id,
  };
}

/** `hash = sha256(prev_hash ‖ canonical(record))`, hex. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(recordFields(record))).digest('hex');
}

/** Links records (in order) onto a chain head; the caller inserts them and moves the head to the last. */
export function chainRecords(head: { seq: number; hash: string }, records: Omit<AuditRecord, 'seq'>[]): ChainedRecord[] {
  let { seq, hash } = head;
  return records.map((record) => {
    seq += 1;
    const withSeq = { ...record, seq };
    const next = chainHash(hash, withSeq);
    const chained = { ...withSeq, prev_hash: hash, hash: next };
    hash = next;
    return chained;
  });
}

/** The bytes a checkpoint's signature covers. */
export function checkpointPayload(checkpoint: Omit<AuditCheckpoint, 'signature'>): string {
  return canonicalJson({ chain: checkpoint.chain, seq: checkpoint.seq, hash: checkpoint.hash, signed_at: checkpoint.signed_at });
}

export interface ChainVerdict {
  valid: boolean;
  checked: number;
  first_broken_seq?: number;
  last_checkpoint_seq: number;
}

/**
 * Recomputes a chain from its first record and checks it against its head row and every signed checkpoint.
 * Broken at the first record whose seq is not the next one, whose prev_hash is not the previous hash, whose
 * stored hash is not the recomputed one, or whose hash differs from a checkpoint's at that seq; at the first
 * record past the head (an appended forgery); and where the rows end before the head or the last checkpoint (a
 * deleted tail). The checkpoints are what catch a superuser who rewrites rows and recomputes every hash: the
 * recomputed chain no longer passes through the signed hashes.
 */
export function verifyChain(rows: ChainedRecord[], headSeq: number, checkpoints: Pick<AuditCheckpoint, 'seq' | 'hash'>[]): ChainVerdict {
  const signed = new Map<number, string[]>();
  for (const checkpoint of checkpoints) signed.set(checkpoint.seq, [...(signed.get(checkpoint.seq) ?? []), checkpoint.hash]);
  const lastCheckpointSeq = Math.max(0, ...checkpoints.map((checkpoint) => checkpoint.seq));
  const broken = (checked: number, seq: number): ChainVerdict => ({ valid: false, checked, first_broken_seq: seq, last_checkpoint_seq: lastCheckpointSeq });
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  // Where the chain was last vouched for: a rewrite detected at a checkpoint happened after the previous one.
  let lastGoodCheckpoint = 0;
  for (const row of rows) {
    const checked = expectedSeq - 1;
    if (row.seq !== expectedSeq) return broken(checked, expectedSeq);
    if (row.seq > headSeq) return broken(checked, row.seq);
    if (row.prev_hash !== prev) return broken(checked, row.seq);
    const recomputed = chainHash(prev, row);
    if (row.hash !== recomputed) return broken(checked, row.seq);
    const hashes = signed.get(row.seq);
    if (hashes) {
      if (hashes.some((hash) => hash !== recomputed)) return broken(lastGoodCheckpoint, lastGoodCheckpoint + 1);
      lastGoodCheckpoint = row.seq;
    }
    prev = recomputed;
    expectedSeq += 1;
  }
  const checked = expectedSeq - 1;
  if (checked < Math.max(headSeq, lastCheckpointSeq)) return broken(checked, checked + 1);
  return { valid: true, checked, last_checkpoint_seq: lastCheckpointSeq };
}
