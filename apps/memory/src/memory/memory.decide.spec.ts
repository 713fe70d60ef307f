import { MnemoError, type ErrorCode, type MemoryEvent } from '@mnemo/contracts';
import { decideMemory, type MemoryCommand } from './memory.decide';
import { evolveMemory } from './memory.evolve';
import type { ValidMemoryInput } from './memory.input';
import { initialMemoryState } from './memory.state';

const uuid = '01900000-0000-7000-8000-000000000001';
const input = (overrides: Partial<ValidMemoryInput> = {}): ValidMemoryInput => ({
  observation: 'User prefers dark mode',
  title: null,
  body_md: null,
  path: null,
  tags: [],
  importance: 5,
  confidence: 1,
  agent_id: null,
  space_id: null,
  expires_at: null,
  ...overrides,
});
const create = (overrides: Partial<ValidMemoryInput> = {}, boundAgent: string | null = null): MemoryCommand => ({
  type: 'CreateMemory',
  workspaceId: 42,
  uuid,
  input: input(overrides),
  boundAgent,
});
const created = (overrides: Partial<ValidMemoryInput> = {}): MemoryEvent => ({ type: 'memory.created', data: { workspace_id: 42, uuid, ...input(overrides) } });

/** given(past events).when(command).then(new events) or .thenFails(code). */
function given(history: MemoryEvent[]) {
  const state = history.reduce(evolveMemory, initialMemoryState);
  return {
    when: (command: MemoryCommand) => ({
      then: (expected: MemoryEvent[]) => expect(decideMemory(command, state)).toEqual(expected),
      thenFails: (code: ErrorCode, details?: Record<string, unknown>) => {
        let failure: unknown;
        try {
          decideMemory(command, state);
        } catch (error) {
          failure = error;
        }
        expect(failure).toBeInstanceOf(MnemoError);
        expect((failure as MnemoError).code).toBe(code);
        if (details) expect((failure as MnemoError).details).toMatchObject(details);
      },
    }),
  };
}

describe('memory rules', () => {
  it('creates a memory with the body agent_id as a label for unbound callers', () => {
    given([]).when(create({ agent_id: 'agent-7' })).then([created({ agent_id: 'agent-7' })]);
  });

  it('stores an agent-bound key’s writes under its own agent, and refuses another agent id', () => {
    given([]).when(create({}, 'agent-1')).then([created({ agent_id: 'agent-1' })]);
    given([]).when(create({ agent_id: 'agent-1' }, 'agent-1')).then([created({ agent_id: 'agent-1' })]);
    given([]).when(create({ agent_id: 'agent-2' }, 'agent-1')).thenFails('FORBIDDEN', { reason: 'agent_mismatch' });
  });

  it('replaces a document written again at its path with only the changed fields, or nothing when unchanged', () => {
    const doc = { observation: null, body_md: '# v1', title: 'Deploy', path: '/workspace/deploy.md' };
    const write = (overrides: Partial<ValidMemoryInput>): MemoryCommand => ({ type: 'WriteAtPath', workspaceId: 42, uuid, input: input({ ...doc, ...overrides }), boundAgent: null });
    given([created(doc)])
      .when(write({ body_md: '# v2', tags: ['ops'] }))
      .then([{ type: 'memory.updated', data: { workspace_id: 42, uuid, via: 'path_write', changes: { body_md: '# v2', tags: ['ops'] } } }]);
    given([created(doc)]).when(write({})).then([]);
  });

  it('patches fields, keeps the kind of memory fixed, and keeps documents at a path', () => {
    const patch = (p: object): MemoryCommand => ({ type: 'PatchMemory', workspaceId: 42, uuid, patch: p, boundAgent: null });
    given([created()])
      .when(patch({ importance: 9, title: 'Theme' }))
      .then([{ type: 'memory.updated', data: { workspace_id: 42, uuid, via: 'patch', changes: { importance: 9, title: 'Theme' } } }]);
    given([created()]).when(patch({ body_md: '# no' })).thenFails('VALIDATION_ERROR');
    const doc = created({ observation: null, body_md: '# d', path: '/d' });
    given([doc]).when(patch({ observation: 'no' })).thenFails('VALIDATION_ERROR');
    given([doc]).when(patch({ path: null })).thenFails('VALIDATION_ERROR');
    given([created()]).when(patch({ importance: 5 })).then([]);
  });

  it('treats a memory of another workspace, or a deleted one, as not found', () => {
    const del = (workspaceId: number): MemoryCommand => ({ type: 'DeleteMemory', workspaceId, uuid, boundAgent: null });
    given([created()]).when(del(43)).thenFails('NOT_FOUND');
    given([created(), { type: 'memory.deleted', data: { workspace_id: 42, uuid } }]).when(del(42)).thenFails('NOT_FOUND');
    given([created()]).when(del(42)).then([
      { type: 'memory.deleted', data: { workspace_id: 42, uuid } },
      { type: 'memory.purged', data: { workspace_id: 42, uuid, scope: 'memory', erasure_id: null } },
    ]);
  });

  it('lets an agent-bound key change only its own agent’s memories', () => {
    given([created({ agent_id: 'agent-2' })]).when({ type: 'DeleteMemory', workspaceId: 42, uuid, boundAgent: 'agent-1' }).thenFails('FORBIDDEN');
    given([created({ agent_id: null })]).when({ type: 'PatchMemory', workspaceId: 42, uuid, patch: { importance: 1 }, boundAgent: 'agent-1' }).thenFails('FORBIDDEN');
    given([created({ agent_id: 'agent-1' })])
      .when({ type: 'PatchMemory', workspaceId: 42, uuid, patch: { importance: 1 }, boundAgent: 'agent-1' })
      .then([{ type: 'memory.updated', data: { workspace_id: 42, uuid, via: 'patch', changes: { importance: 1 } } }]);
  });

  it('expires a memory only once its expires_at passed', () => {
    const expiring = created({ expires_at: '2026-11-25T12:00:00.000Z' });
    given([expiring]).when({ type: 'ExpireMemory', uuid, now: '2026-11-25T11:59:59.000Z' }).then([]);
    given([expiring])
      .when({ type: 'ExpireMemory', uuid, now: '2026-11-25T12:00:00.000Z' })
      .then([{ type: 'memory.expired', data: { workspace_id: 42, uuid, expires_at: '2026-11-25T12:00:00.000Z' } }]);
    given([created()]).when({ type: 'ExpireMemory', uuid, now: '2099-01-01T00:00:00.000Z' }).then([]);
  });
});
