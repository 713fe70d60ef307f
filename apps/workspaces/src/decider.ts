import type { EventEnvelope } from '@mnemo/contracts';

/**
 * An aggregate's business rules as pure functions (Emmett's decider): `decide` turns a command and the current
 * state into new events or throws a `MnemoError`; `evolve` folds one event into the state.
 */
export interface Decider<TCommand, TState, TEvent> {
  initialState: TState;
  decide(command: TCommand, state: TState): TEvent[];
  evolve(state: TState, event: TEvent): TState;
}

/**
 * Stored envelopes carry `{ type, data }` untyped; the store only ever holds events our deciders produced,
 * so reading them back as the aggregate's union is safe.
 */
export function asDomainEvent<TEvent extends { type: string; data: unknown }>(envelope: EventEnvelope): TEvent {
  return { type: envelope.type, data: envelope.data } as TEvent;
}

/** The state after a history of stored events. */
export function rehydrate<TCommand, TState, TEvent extends { type: string; data: unknown }>(
  decider: Decider<TCommand, TState, TEvent>,
  history: EventEnvelope[],
  from: TState = decider.initialState,
): TState {
  return history.reduce((state, envelope) => decider.evolve(state, asDomainEvent<TEvent>(envelope)), from);
}
