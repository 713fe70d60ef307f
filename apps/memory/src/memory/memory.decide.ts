import { isDeepStrictEqual } from 'node:util';
import { MnemoError, type MemoryContent, type MemoryEvent } from '@mnemo/contracts';
import type { ValidMemoryInput, ValidMemoryPatch } from './memory.input';
import type { MemoryState } from './memory.state';

/**
 * `boundAgent` is the calling key's bound agent (null for unbound keys and sessions): the only agent identity
 * that is a credential. A body `agent_id` is a label, and a bound key cannot write under another one.
 */
export type MemoryCommand =
  | { type: 'CreateMemory'; workspaceId: number; uuid: string; input: ValidMemoryInput; boundAgent: string | null; importedTimes?: ImportedTimes }
  | { type: 'WriteAtPath'; workspaceId: number; uuid: string; input: ValidMemoryInput; boundAgent: string | null }
  | { type: 'PatchMemory'; workspaceId: number; uuid: string; patch: ValidMemoryPatch; boundAgent: string | null }
  | { type: 'DeleteMemory'; workspaceId: number; uuid: string; boundAgent: string | null }
  | { type: 'ExpireMemory'; uuid: string; now: string };

/**
 * The stream of one memory. A uuid is unique per workspace, not globally (an export imported into another
 * workspace keeps its uuids), so the stream id names the owning workspace too.
 */
export function memoryStreamId(workspaceId: number, uuid: string): string {
  return `memory-${workspaceId}-${uuid}`;
}

/** An imported memory keeps the times it had where it was exported. */
export interface ImportedTimes {
  created_at: string;
  updated_at: string;
}

/** The agent a write is stored under: the bound agent, or the body's label for unbound callers. */
export function resolveAgent(boundAgent: string | null, requested: string | null): string | null {
  if (boundAgent === null) return requested;
  if (requested !== null && requested !== boundAgent) {
    throw new MnemoError('FORBIDDEN', 'an agent-bound key can only write under its own agent_id', { reason: 'agent_mismatch', agent_id: boundAgent });
  }
  return boundAgent;
}

const CONTENT_FIELDS: (keyof MemoryContent)[] = ['observation', 'title', 'body_md', 'path', 'tags', 'importance', 'confidence', 'agent_id', 'space_id', 'expires_at'];

function changesBetween(before: MemoryContent, after: MemoryContent): Partial<MemoryContent> {
  const changes: Partial<MemoryContent> = {};
  for (const field of CONTENT_FIELDS) {
    if (!isDeepStrictEqual(before[field], after[field])) (changes as Record<string, unknown>)[field] = after[field];
  }
  return changes;
}

/** A live memory of the caller's workspace that the caller may change; anything else does not exist for it. */
function requireWritable(state: MemoryState, workspaceId: number, boundAgent: string | null): MemoryContent {
  if (state.status !== 'live' || state.workspaceId !== workspaceId || !state.content) throw new MnemoError('NOT_FOUND', 'no such memory');
  if (boundAgent !== null && state.content.agent_id !== boundAgent) {
    throw new MnemoError('FORBIDDEN', 'an agent-bound key can only change memories of its own agent', { reason: 'agent_mismatch', agent_id: boundAgent });
  }
  return state.content;
}

export function decideMemory(command: MemoryCommand, state: MemoryState): MemoryEvent[] {
  switch (command.type) {
    case 'CreateMemory': {
      if (state.status !== 'none') throw new MnemoError('CONFLICT', 'this memory id already exists');
      const agentId = resolveAgent(command.boundAgent, command.input.agent_id);
      return [{ type: 'memory.created', data: { workspace_id: command.workspaceId, uuid: command.uuid, ...command.input, agent_id: agentId, ...command.importedTimes } }];
    }
    case 'WriteAtPath': {
      // A write to a path replaces the document there: same uuid, a new version with exactly the new fields.
      const before = requireWritable(state, command.workspaceId, command.boundAgent);
      const after: MemoryContent = { ...command.input, agent_id: resolveAgent(command.boundAgent, command.input.agent_id) };
      const changes = changesBetween(before, after);
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'memory.updated', data: { workspace_id: command.workspaceId, uuid: command.uuid, via: 'path_write', changes } }];
    }
    case 'PatchMemory': {
      const before = requireWritable(state, command.workspaceId, command.boundAgent);
      const { patch } = command;
      // The kind of a memory is fixed at creation: an observation, or a body_md document at a path.
      const isDocument = before.body_md !== null;
      if (isDocument && patch.observation !== undefined) {
        throw new MnemoError('VALIDATION_ERROR', 'this memory is a body_md document; change body_md, not observation', { fields: [{ field: 'observation', problems: ['not an observation memory'] }] });
      }
      if (!isDocument && patch.body_md !== undefined) {
        throw new MnemoError('VALIDATION_ERROR', 'this memory is an observation; change observation, not body_md', { fields: [{ field: 'body_md', problems: ['not a document memory'] }] });
      }
      if (isDocument && patch.path === null) {
        throw new MnemoError('VALIDATION_ERROR', 'a body_md document needs a path', { fields: [{ field: 'path', problems: ['a document needs a path'] }] });
      }
      const after: MemoryContent = { ...before };
      for (const [field, value] of Object.entries(patch)) if (value !== undefined) (after as unknown as Record<string, unknown>)[field] = value;
      const changes = changesBetween(before, after);
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'memory.updated', data: { workspace_id: command.workspaceId, uuid: command.uuid, via: 'patch', changes } }];
    }
    case 'DeleteMemory':
      requireWritable(state, command.workspaceId, command.boundAgent);
      // Deleting is erasing (DESIGN.md "Erasure"): the purge redacts the stream's content in the same transaction.
      return [
        { type: 'memory.deleted', data: { workspace_id: command.workspaceId, uuid: command.uuid } },
        { type: 'memory.purged', data: { workspace_id: command.workspaceId, uuid: command.uuid, scope: 'memory', erasure_id: null } },
      ];
    case 'ExpireMemory': {
      const expiresAt = state.content?.expires_at;
      if (state.status !== 'live' || !expiresAt || new Date(expiresAt) > new Date(command.now)) return [];
      return [{ type: 'memory.expired', data: { workspace_id: state.workspaceId!, uuid: command.uuid, expires_at: expiresAt } }];
    }
  }
}
