import { MnemoError, type ErrorCode } from '@mnemo/contracts';
import type { Decider } from '../src/decider';

/**
 * `given(decider, pastEvents).when(command).then(newEvents)` or `.thenFails(code)`: a decider's rules as
 * examples, without I/O.
 */
export function given<TCommand, TState, TEvent>(decider: Decider<TCommand, TState, TEvent>, history: TEvent[]) {
  const state = history.reduce(decider.evolve, decider.initialState);
  return {
    when(command: TCommand) {
      const decide = () => decider.decide(command, state);
      return {
        then(expected: TEvent[]): void {
          expect(decide()).toEqual(expected);
        },
        thenFails(code: ErrorCode, details?: Record<string, unknown>): void {
          let failure: unknown;
          try {
            decide();
          } catch (error) {
            failure = error;
          }
          expect(failure).toBeInstanceOf(MnemoError);
          expect((failure as MnemoError).code).toBe(code);
          if (details) expect((failure as MnemoError).details).toMatchObject(details);
        },
      };
    },
  };
}
