import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, EventOwner } from '@mnemo/contracts';
import type { EventStore, InlineProjection } from '@mnemo/event-store';
import { rehydrate, type Decider } from './decider';

export interface Decision<TCommand, TState, TEvent> {
  decider: Decider<TCommand, TState, TEvent>;
  streamId: string;
  command: TCommand;
  owner: EventOwner;
  actor: string;
  project: InlineProjection;
}

/**
 * load → decide → append → project, inside the caller's transaction: for commands that change several
 * aggregates at once (creating a workspace creates its organization and first membership). A concurrent
 * append to one of the streams fails the whole transaction with `WrongExpectedVersion`.
 */
export async function appendDecision<TCommand, TState, TEvent extends { type: string; data: unknown }>(
  em: EntityManager,
  store: EventStore,
  decision: Decision<TCommand, TState, TEvent>,
): Promise<EventEnvelope[]> {
  const history = await store.readStream(decision.streamId, em);
  const state = rehydrate(decision.decider, history);
  const events = decision.decider.decide(decision.command, state);
  const appended = await store.appendInTransaction(
    em,
    decision.streamId,
    history.length,
    events.map((event) => ({ type: event.type, data: event.data as Record<string, unknown> })),
    { owner: decision.owner, actor: decision.actor },
  );
  await decision.project(em, appended);
  return appended;
}
