import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from '@mikro-orm/postgresql';
import { v7 as uuidv7 } from 'uuid';
import { MnemoError, type MemoryCaller, type MemoryWriteOutcome, type NewEvent, type RpcReply } from '@mnemo/contracts';
import { WrongExpectedVersion, type EventStore } from '@mnemo/event-store';
import { decideMemory, memoryStreamId, resolveAgent, type MemoryCommand } from './memory.decide';
import { evolveMemory } from './memory.evolve';
import type { ValidMemoryInput, ValidMemoryPatch } from './memory.input';
import { contentKeyOf, insertCreatedMemories, projectMemoryEvents } from './memory.projection';
import { findLiveMemory, LIVE, type MemoryRow } from './memory.rows';
import { asMemoryEvent, initialMemoryState } from './memory.state';
import { visibleMemoriesSql } from '../space/space.access';
import { resolveSpaceFilter } from '../space/space.rows';
import type { UsageMeter, UsageReservation } from '../usage/usage-meter';

const MAX_ATTEMPTS = 3;

/**
 * Refusals that depend on the moment, not on the request: not stored as the Idempotency-Key's answer, so the
 * same request succeeds once the period rolls over or the workspace is reinstated.
 */
const PASSING_REFUSALS: ReadonlySet<string> = new Set(['LIMIT_REACHED', 'WORKSPACE_SUSPENDED', 'PAYMENT_REQUIRED', 'UNAVAILABLE']);

export interface IdempotencyOptions {
  method: string;
  route: string;
  key: string;
  body: unknown;
}

/**
 * An import (export/) stores each memory under the uuid and times it was exported with, and never folds it
 * into an existing observation: the importer checked beforehand that the uuids and paths are free.
 */
export interface PreservedIdentity {
  uuid: string;
  created_at: string;
  updated_at: string;
}

export interface WriteResult {
  uuid: string;
  outcome: MemoryWriteOutcome;
  version: number;
}

/** Prefixes a refusal with the batch item it concerns, so all-or-nothing batches name the culprit. */
function forItem(index: number | undefined, error: MnemoError): MnemoError {
  if (index === undefined) return error;
  return new MnemoError(error.code, `memories[${index}]: ${error.message}`, { ...error.details, index });
}

/**
 * The memory write pipeline: idempotency claim → one transaction (advisory locks on the paths and content keys
 * written, load → decide → append → project per memory, the idempotency record) → on a version conflict, the
 * whole transaction again, at most 3 times. Batches are one transaction: all or nothing.
 *
 * The usage gate is part of the pipeline: every write path (single, batch, patch, and import on top of
 * `writeAll`) reserves its most possible `writes` units before the transaction (`run`'s `maxWrites`), so a write
 * over the plan's cap is refused whole (429 `LIMIT_REACHED`) and nothing of it is stored; the transaction records
 * the units it used and the rest are given back after it. A memory stored counts one write: a new memory, a path
 * upsert (a new version of the document) and a patch; a deduplicated observation, a delete and the purge of an
 * expired memory are free.
 */
export class MemoryWrites {
  /** The reservation of the request being written, and how much of it this attempt's transaction used. */
  private readonly reserved = new AsyncLocalStorage<{ reservation: UsageReservation; used: number }>();

  constructor(
    private readonly store: EventStore,
    private readonly fork: () => EntityManager,
    private readonly usage: UsageMeter,
  ) {}

  /**
   * Runs `work` in a transaction with the idempotency record of DESIGN.md, retrying version conflicts.
   * `maxWrites`: the most `writes` units the work can use, reserved before the transaction.
   */
  async run<T>(caller: MemoryCaller, idempotency: IdempotencyOptions | undefined, work: (tx: EntityManager) => Promise<T>, maxWrites = 0): Promise<RpcReply<T>> {
    const em = this.fork();
    const scope = idempotency && { workspaceId: String(caller.workspace_id), principal: caller.principal, ...idempotency };
    if (scope) {
      const claim = await this.store.idempotency.claim(em, scope);
      if (claim.kind === 'replay') return claim.reply as RpcReply<T>;
      if (claim.kind === 'mismatch') return { ok: false, error: { code: 'IDEMPOTENCY_MISMATCH', message: 'this Idempotency-Key was used with a different request body' } };
      if (claim.kind === 'in_progress') {
        return { ok: false, error: { code: 'CONFLICT', message: 'a request with this Idempotency-Key is still in progress', details: { reason: 'in_progress' } } };
      }
    }
    const refuse = async (error: MnemoError): Promise<RpcReply<T>> => {
      const refusal: RpcReply<T> = { ok: false, error: error.toBody() };
      if (scope && PASSING_REFUSALS.has(error.code)) await this.store.idempotency.release(em, scope);
      else if (scope) await this.store.idempotency.complete(em, scope, refusal);
      return refusal;
    };
    let reservation: UsageReservation | undefined;
    let used = 0;
    try {
      if (maxWrites > 0) {
        try {
          reservation = await this.usage.reserve(caller, 'writes', maxWrites);
        } catch (error) {
          if (error instanceof MnemoError) return await refuse(error);
          throw error;
        }
      }
      for (let attempt = 1; ; attempt++) {
        const slot = reservation && { reservation, used: 0 };
        try {
          const transaction = () =>
            em.transactional(async (tx) => {
              const reply: RpcReply<T> = { ok: true, data: await work(tx) };
              if (scope) await this.store.idempotency.complete(tx, scope, reply);
              return reply;
            });
          const reply = slot ? await this.reserved.run(slot, transaction) : await transaction();
          used = slot?.used ?? 0;
          return reply;
        } catch (error) {
          if (error instanceof MnemoError) return await refuse(error);
          if (!(error instanceof WrongExpectedVersion)) throw error;
          if (attempt >= MAX_ATTEMPTS) {
            const refusal: RpcReply<T> = { ok: false, error: { code: 'CONFLICT', message: 'too many concurrent changes to this memory; retry', details: { reason: 'contention' } } };
            if (scope) await this.store.idempotency.complete(em, scope, refusal);
            return refusal;
          }
        }
      }
    } catch (error) {
      if (scope) await this.store.idempotency.release(em, scope).catch(() => undefined);
      throw error;
    } finally {
      if (reservation) await this.usage.release(reservation, reservation.quantity - used);
    }
  }

  /** The `writes` units a transaction uses: from the request's reservation, or taken in the transaction. */
  private async useWrites(tx: EntityManager, caller: MemoryCaller, count: number): Promise<void> {
    const slot = this.reserved.getStore();
    if (!slot) return this.usage.consume(tx, caller, 'writes', count);
    if (slot.used + count > slot.reservation.quantity) throw new Error(`the request reserved ${slot.reservation.quantity} writes and needs more`);
    await this.usage.settle(tx, slot.reservation, count);
    slot.used += count;
  }

  /** load → decide → append → project for one memory stream, inside the caller's transaction. */
  async apply(tx: EntityManager, caller: Pick<MemoryCaller, 'principal'> & { workspace_id: number }, uuid: string, command: MemoryCommand, ifMatchVersion?: number): Promise<number> {
    const streamId = memoryStreamId(caller.workspace_id, uuid);
    const history = await this.store.readStream(streamId, tx);
    if (ifMatchVersion !== undefined && ifMatchVersion !== history.length) {
      throw new MnemoError('CONFLICT', 'the memory changed since you read it (stale If-Match)', { reason: 'stale_etag', version: history.length });
    }
    const state = history.map(asMemoryEvent).reduce(evolveMemory, initialMemoryState);
    const events = decideMemory(command, state);
    const appended = await this.store.appendInTransaction(tx, streamId, history.length, events as never, {
      owner: { workspaceId: String(caller.workspace_id) },
      actor: caller.principal,
    });
    await projectMemoryEvents(tx, appended);
    return history.length + appended.length;
  }

  /**
   * Writes memories in request order. A write with a path replaces the document there (same uuid, new version);
   * an observation without a path that the same agent already stored in the same space is answered with the
   * existing memory. Locks serialise concurrent writers of one path or one content key. The current holders of
   * the batch's paths and content keys are read in two queries, and new memories' rows are inserted together,
   * and new memories are appended and inserted together: a batch of 1000 new memories is a handful of statements.
   */
  async writeAll(tx: EntityManager, caller: MemoryCaller, inputs: ValidMemoryInput[], batch: boolean, preserved?: PreservedIdentity[]): Promise<WriteResult[]> {
    const workspaceId = caller.workspace_id;
    const itemError = (index: number, error: unknown) => (error instanceof MnemoError ? forItem(batch ? index : undefined, error) : error);
    // The agent each memory is stored under: a bound key writes under its own agent only.
    const resolved = inputs.map((input, index) => {
      try {
        return { ...input, agent_id: resolveAgent(caller.agent_id, input.agent_id) };
      } catch (error) {
        throw itemError(index, error);
      }
    });
    // Only the owner writes into a space, and only a caller that passes its agent gate: anything else is 404.
    const spaces = new Map<string, string>();
    for (const [index, input] of resolved.entries()) {
      if (input.space_id === null) continue;
      try {
        if (!spaces.has(input.space_id)) spaces.set(input.space_id, await resolveSpaceFilter(tx, caller, input.space_id));
      } catch (error) {
        throw itemError(index, error);
      }
    }
    const keyOf = (input: ValidMemoryInput) => (input.path !== null ? `path:${workspaceId}:${input.path}` : `content:${workspaceId}:${contentKeyOf(input)}`);
    await lockAll(tx, resolved.map(keyOf));

    const paths = [...new Set(resolved.flatMap((input) => (input.path !== null ? [input.path] : [])))];
    const contentKeys = [...new Set(resolved.flatMap((input) => (input.path === null ? [contentKeyOf(input)!] : [])))];
    const byPath = new Map<string, { id: string; live: boolean; expired_by?: Date }>();
    if (paths.length > 0) {
      const visible = visibleMemoriesSql('memories', caller);
      // The database's clock decides expiry, for reads and for this purge alike.
      const rows = await tx.execute<{ id: string; path: string; live: boolean; visible: boolean; expired_by: Date }[]>(
        `SELECT id, path, ${LIVE} AS live, ${visible.sql} AS visible, now() AS expired_by FROM memories WHERE workspace_id = ? AND path IN (SELECT jsonb_array_elements_text(?::jsonb))`,
        [...visible.params, workspaceId, JSON.stringify(paths)],
      );
      for (const row of rows) {
        // A document in a space the caller cannot pass is not the caller's to replace, nor to learn about.
        if (row.live && !row.visible) throw itemError(resolved.findIndex((input) => input.path === row.path), new MnemoError('CONFLICT', 'another memory is stored at this path', { reason: 'path_taken', field: 'path' }));
      }
      for (const row of rows) byPath.set(row.path, row);
    }
    const byContent = new Map<string, { id: string; version: number }>();
    if (contentKeys.length > 0) {
      const rows = await tx.execute<{ id: string; content_key: string; version: number }[]>(
        `SELECT DISTINCT ON (content_key) id, content_key, version FROM memories
         WHERE workspace_id = ? AND content_key IN (SELECT jsonb_array_elements_text(?::jsonb)) AND ${LIVE}
         ORDER BY content_key, id`,
        [workspaceId, JSON.stringify(contentKeys)],
      );
      for (const row of rows) byContent.set(row.content_key, row);
    }

    // New memories wait here, so their streams are appended together; flushed before anything reads a stream.
    const pending: { streamId: string; event: NewEvent }[] = [];
    const flush = async () => {
      const appended = await this.store.appendToNewStreams(tx, pending.splice(0), { owner: { workspaceId: String(workspaceId) }, actor: caller.principal });
      await insertCreatedMemories(tx, appended);
    };
    const results: WriteResult[] = [];
    for (const [index, input] of resolved.entries()) {
      try {
        if (input.path !== null) {
          const holder = byPath.get(input.path);
          if (holder?.live) {
            await flush();
            const command: MemoryCommand = { type: 'WriteAtPath', workspaceId, uuid: holder.id, input, boundAgent: caller.agent_id };
            results.push({ uuid: holder.id, outcome: 'updated', version: await this.apply(tx, caller, holder.id, command) });
            continue;
          }
          if (holder) {
            // Expired: already gone from every read; purged now so the path is free for the new document.
            await flush();
            await this.apply(tx, { workspace_id: workspaceId, principal: 'system:expiry' }, holder.id, { type: 'ExpireMemory', uuid: holder.id, now: new Date(holder.expired_by!).toISOString() });
          }
        } else if (!preserved) {
          const duplicate = byContent.get(contentKeyOf(input)!);
          if (duplicate) {
            results.push({ uuid: duplicate.id, outcome: 'deduplicated', version: duplicate.version });
            continue;
          }
        }
        const uuid = preserved?.[index]?.uuid ?? uuidv7();
        // A new stream: nothing to load.
        const importedTimes = preserved?.[index] && { created_at: preserved[index].created_at, updated_at: preserved[index].updated_at };
        const [event] = decideMemory({ type: 'CreateMemory', workspaceId, uuid, input, boundAgent: caller.agent_id, importedTimes }, initialMemoryState);
        pending.push({ streamId: memoryStreamId(workspaceId, uuid), event: event as unknown as NewEvent });
        if (input.path !== null) byPath.set(input.path, { id: uuid, live: true });
        else byContent.set(contentKeyOf(input)!, { id: uuid, version: 1 });
        results.push({ uuid, outcome: 'created', version: 1 });
      } catch (error) {
        throw itemError(index, error);
      }
    }
    await flush();
    const stored = results.filter((result) => result.outcome !== 'deduplicated').length;
    await this.useWrites(tx, caller, stored);
    return results;
  }

  /**
   * The memory holding a path. An expired one is purged on the spot (it was already gone from every read), so
   * the path is free for the new document.
   */
  private async occupant(tx: EntityManager, workspaceId: number, path: string): Promise<{ id: string; live: boolean } | undefined> {
    const [row] = await tx.execute<{ id: string; live: boolean; expired_by: Date }[]>(
      `SELECT id, ${LIVE} AS live, now() AS expired_by FROM memories WHERE workspace_id = ? AND path = ?`,
      [workspaceId, path],
    );
    if (row && !row.live) {
      await this.apply(tx, { workspace_id: workspaceId, principal: 'system:expiry' }, row.id, { type: 'ExpireMemory', uuid: row.id, now: new Date(row.expired_by).toISOString() });
    }
    return row;
  }

  async patch(tx: EntityManager, caller: MemoryCaller, uuid: string, patch: ValidMemoryPatch, ifMatchVersion?: number): Promise<MemoryRow> {
    const workspaceId = caller.workspace_id;
    if (!(await findLiveMemory(tx, caller, uuid))) throw new MnemoError('NOT_FOUND', 'no such memory');
    if (patch.path) {
      await lockAll(tx, [`path:${workspaceId}:${patch.path}`]);
      const holder = await this.occupant(tx, workspaceId, patch.path);
      if (holder?.live && holder.id !== uuid) throw new MnemoError('CONFLICT', 'another memory is stored at this path', { reason: 'path_taken', path: patch.path });
    }
    await this.apply(tx, caller, uuid, { type: 'PatchMemory', workspaceId, uuid, patch, boundAgent: caller.agent_id }, ifMatchVersion);
    const row = (await findLiveMemory(tx, caller, uuid))!;
    await this.useWrites(tx, caller, 1);
    return row;
  }

  async delete(tx: EntityManager, caller: MemoryCaller, uuid: string): Promise<void> {
    if (!(await findLiveMemory(tx, caller, uuid))) throw new MnemoError('NOT_FOUND', 'no such memory');
    await this.apply(tx, caller, uuid, { type: 'DeleteMemory', workspaceId: caller.workspace_id, uuid, boundAgent: caller.agent_id });
  }
}

/**
 * Transaction-scoped advisory locks on every key, taken in one sorted pass so two batches touching the same
 * paths never wait on each other in opposite orders.
 */
async function lockAll(tx: EntityManager, keys: string[]): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  await tx.execute(
    `SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))
     FROM (SELECT k FROM jsonb_array_elements_text(?::jsonb) AS k ORDER BY k) AS ordered`,
    [JSON.stringify(sorted)],
  );
}
