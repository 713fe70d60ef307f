import { DeadlockException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { MnemoError, type RpcMetadata, type RpcReply } from '@mnemo/contracts';
import { WrongExpectedVersion, type EventStore, type IdempotencyScope } from '@mnemo/event-store';

const ATTEMPTS = 3;

export interface CommandTransaction<T> {
  /** The RPC operation: the idempotency record's "route". */
  operation: string;
  metadata?: RpcMetadata;
  /** The request as received; only its hash is kept with an idempotency record. */
  body: unknown;
  /** Removes secrets (tokens, codes) before an answer is stored for replays. */
  redact?: (result: T) => unknown;
}

/**
 * The pipeline of one command that changes several aggregates (STYLE.md §2, for multi-stream commands): an
 * idempotency claim, then `work` — load, check roles, decide, append, project, guard rows — in one
 * transaction with the idempotency record. A stale stream version or a deadlock starts over, at most 3 times;
 * a `MnemoError` refuses the command with nothing committed.
 */
export async function runCommand<T>(
  runtime: { orm: MikroORM; store: EventStore },
  command: CommandTransaction<T>,
  work: (em: EntityManager) => Promise<T>,
): Promise<RpcReply<T>> {
  const em = runtime.orm.em.fork();
  const scope = idempotencyScope(command);
  if (scope) {
    const claim = await runtime.store.idempotency.claim(em, { ...scope, body: command.body });
    if (claim.kind === 'replay') return claim.reply as RpcReply<T>;
    if (claim.kind === 'mismatch') return refusal(new MnemoError('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used with a different request body'));
    if (claim.kind === 'in_progress') {
      return refusal(new MnemoError('CONFLICT', 'a request with this Idempotency-Key is still in progress', { reason: 'in_progress' }));
    }
  }
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const data = await runtime.orm.em.fork().transactional(async (tx) => {
          const result = await work(tx);
          if (scope) await runtime.store.idempotency.complete(tx, scope, { ok: true, data: command.redact ? command.redact(result) : result });
          return result;
        });
        return { ok: true, data };
      } catch (error) {
        if (error instanceof MnemoError) {
          const answer = refusal<T>(error);
          if (scope) await runtime.store.idempotency.complete(em, scope, answer);
          return answer;
        }
        const retriable = error instanceof WrongExpectedVersion || error instanceof DeadlockException;
        if (!retriable) throw error;
        if (attempt >= ATTEMPTS) {
          const answer = refusal<T>(new MnemoError('CONFLICT', 'too many concurrent changes to this resource; retry', { reason: 'contention' }));
          if (scope) await runtime.store.idempotency.complete(em, scope, answer);
          return answer;
        }
      }
    }
  } catch (error) {
    if (scope) await runtime.store.idempotency.release(em, scope).catch(() => undefined);
    throw error;
  }
}

function idempotencyScope<T>(command: CommandTransaction<T>): IdempotencyScope | undefined {
  const { metadata } = command;
  if (!metadata?.idempotencyKey || !metadata.principal) return undefined;
  return {
    workspaceId: metadata.workspaceId,
    principal: `${metadata.principal.type}:${metadata.principal.id}`,
    method: 'RPC',
    route: command.operation,
    key: metadata.idempotencyKey,
  };
}

function refusal<T>(error: MnemoError): RpcReply<T> {
  return { ok: false, error: error.toBody() };
}
