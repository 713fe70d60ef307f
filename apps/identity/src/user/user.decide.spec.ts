import { MnemoError, type EventEnvelope } from '@mnemo/contracts';
import { decideUser, type UserCommand } from './user.decide';
import { initialUserState, type UserEvent } from './user.events';
import { evolveUser } from './user.evolve';

function given(...events: UserEvent[]) {
  const state = events.reduce((s, e) => evolveUser(s, e as unknown as EventEnvelope), initialUserState);
  return {
    when: (command: UserCommand) => ({
      then: (expected: UserEvent[]) => expect(decideUser(command, state)).toEqual(expected),
      thenRefused: (code: string) => {
        expect(() => decideUser(command, state)).toThrow(MnemoError);
        try {
          decideUser(command, state);
        } catch (error) {
          expect((error as MnemoError).code).toBe(code);
        }
      },
    }),
  };
}

const registered: UserEvent = { type: 'user.registered', data: {} };

describe('user account rules', () => {
  it('registers a new user once', () => {
    given().when({ type: 'register' }).then([registered]);
    given(registered).when({ type: 'register' }).thenRefused('CONFLICT');
  });

  it('verifies an email once; verifying again changes nothing', () => {
    given(registered).when({ type: 'verify_email' }).then([{ type: 'user.email_verified', data: {} }]);
    given(registered, { type: 'user.email_verified', data: {} }).when({ type: 'verify_email' }).then([]);
  });

  it('refuses everything but registration for an unknown or deleted user', () => {
    given().when({ type: 'verify_email' }).thenRefused('NOT_FOUND');
    given(registered, { type: 'user.deleted', data: { erasure_id: 'e' } }).when({ type: 'reset_password' }).thenRefused('NOT_FOUND');
  });

  it('deletes with the erasure id', () => {
    given(registered).when({ type: 'delete', erasureId: 'e1' }).then([{ type: 'user.deleted', data: { erasure_id: 'e1' } }]);
  });
});
