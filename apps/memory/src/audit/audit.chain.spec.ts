import { createHash } from 'node:crypto';
import { canonicalJson, chainHash, chainRecords, GENESIS_HASH, verifyChain, type AuditRecord, type ChainedRecord } from './audit.chain';

function entry(n: number): Omit<AuditRecord, 'seq'> {
  return {
    id: `0190b6c0-0000-7000-8000-${String(n).padStart(12, '0')}`,
    occurred_at: new Date(Date.UTC(2026, 10, 25, 12, 0, 0, n)).toISOString(),
    owner_workspace_id: 42,
    actor_workspace_id: 7,
    actor_key_id: 'k1',
    actor_user_id: null,
    agent_ref: null,
    action: 'space.read',
    resource_type: 'context_space',
    resource_id: 'urn:uuid:0190b6c0-0000-7000-8000-000000000001',
    outcome: 'allowed',
    cross_tenant: true,
    count: 1,
    request_id: `req-${n}`,
  };
}

function chain(length: number): ChainedRecord[] {
  return chainRecords({ seq: 0, hash: GENESIS_HASH }, Array.from({ length }, (_, i) => entry(i + 1)));
}

describe('audit hash chain', () => {
  it('hashes sha256(prev_hash ‖ RFC 8785 JSON of the record), keys sorted, no whitespace', () => {
    const [first] = chain(1);
    const { hash: _hash, prev_hash: _prev, ...record } = first;
    const keys = Object.keys(record).sort();
    const expectedJson = `{${keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify((record as Record<string, unknown>)[key])}`).join(',')}}`;
    expect(canonicalJson(record)).toBe(expectedJson);
    expect(first.prev_hash).toBe(GENESIS_HASH);
    expect(first.hash).toBe(createHash('sha256').update(GENESIS_HASH + expectedJson).digest('hex'));
    expect(chainHash(GENESIS_HASH, first)).toBe(first.hash);
  });

  it('links each record to the previous hash and numbers them from the head', () => {
    const records = chain(3);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[1].prev_hash).toBe(records[0].hash);
    expect(records[2].prev_hash).toBe(records[1].hash);
    const more = chainRecords({ seq: 3, hash: records[2].hash }, [entry(4)]);
    expect(more[0]).toMatchObject({ seq: 4, prev_hash: records[2].hash });
  });

  it('verifies an intact chain against its head and checkpoints', () => {
    const records = chain(5);
    expect(verifyChain(records, 5, [{ seq: 3, hash: records[2].hash }])).toEqual({ valid: true, checked: 5, last_checkpoint_seq: 3 });
    expect(verifyChain([], 0, [])).toEqual({ valid: true, checked: 0, last_checkpoint_seq: 0 });
  });

  it('finds a flipped field, a deleted row, swapped rows and a forged row', () => {
    const records = chain(5);
    const flipped = records.map((r) => (r.seq === 3 ? { ...r, outcome: 'refused' as const } : r));
    expect(verifyChain(flipped, 5, [])).toMatchObject({ valid: false, first_broken_seq: 3, checked: 2 });
    const deleted = records.filter((r) => r.seq !== 2);
    expect(verifyChain(deleted, 5, [])).toMatchObject({ valid: false, first_broken_seq: 2 });
    const swapped = [records[0], { ...records[2], seq: 2 }, { ...records[1], seq: 3 }, records[3], records[4]];
    expect(verifyChain(swapped, 5, [])).toMatchObject({ valid: false, first_broken_seq: 2 });
    const forged = [...records, ...chainRecords({ seq: 5, hash: records[4].hash }, [entry(6)])];
    expect(verifyChain(forged, 5, [])).toMatchObject({ valid: false, first_broken_seq: 6 });
    const tailDeleted = records.slice(0, 4);
    expect(verifyChain(tailDeleted, 5, [])).toMatchObject({ valid: false, first_broken_seq: 5 });
  });

  it('catches a rewrite with every hash recomputed only through the signed checkpoints', () => {
    const records = chain(5);
    const rewritten = chainRecords({ seq: 0, hash: GENESIS_HASH }, records.map(({ seq: _s, hash: _h, prev_hash: _p, ...r }, i) => (i === 1 ? { ...r, actor_workspace_id: 99 } : r)));
    expect(verifyChain(rewritten, 5, [])).toMatchObject({ valid: true });
    expect(verifyChain(rewritten, 5, [{ seq: 1, hash: records[0].hash }, { seq: 4, hash: records[3].hash }])).toEqual({
      valid: false,
      checked: 1,
      first_broken_seq: 2,
      last_checkpoint_seq: 4,
    });
    // A checkpoint past the rows: the tail was deleted, head and all.
    expect(verifyChain(records.slice(0, 3), 3, [{ seq: 5, hash: records[4].hash }])).toMatchObject({ valid: false, first_broken_seq: 4 });
  });
});
