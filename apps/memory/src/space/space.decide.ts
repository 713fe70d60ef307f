import { isDeepStrictEqual } from 'node:util';
import { MnemoError, type MemoryCaller, type SpaceEvent, type SpaceSettings } from '@mnemo/contracts';
import { passesAgentGate } from './space.access';
import type { ValidSpaceInput } from './space.input';
import type { SpaceState } from './space.state';

type GateCaller = Pick<MemoryCaller, 'workspace_id' | 'agent_id' | 'scopes'>;

/**
 * The stream of one context space. A space id is unique per owner workspace, not globally (an export imported
 * into another workspace keeps its ids), so the stream id names the owner too.
 */
export function spaceStreamId(ownerWorkspaceId: number, spaceId: string): string {
  return `space-${ownerWorkspaceId}-${spaceId}`;
}

/** `sharingAllowed`: the owner's plan shares spaces with other workspaces (checked by the handler, by RPC). */
export type SpaceCommand =
  | { type: 'CreateSpace'; spaceId: string; caller: GateCaller; input: ValidSpaceInput; sharingAllowed: boolean }
  | { type: 'UpdateSpace'; spaceId: string; caller: GateCaller; changes: ValidSpaceInput; sharingAllowed: boolean }
  | { type: 'DeleteSpace'; spaceId: string; caller: GateCaller };

function checkSharing(settings: Pick<SpaceSettings, 'allowed_tenant_ids'>, ownerWorkspaceId: number, sharingAllowed: boolean): void {
  if (settings.allowed_tenant_ids.includes(ownerWorkspaceId)) {
    throw new MnemoError('VALIDATION_ERROR', 'allowed_tenant_ids lists other workspaces; the owner has access already', { fields: [{ field: 'allowed_tenant_ids', problems: ['contains the owner workspace'] }] });
  }
  if (settings.allowed_tenant_ids.length > 0 && !sharingAllowed) {
    throw new MnemoError('PLAN_UPGRADE_REQUIRED', 'sharing a context space with other workspaces needs a plan with sharing (pro or team)', { reason: 'sharing_not_in_plan' });
  }
}

/** A live space of the caller's workspace whose agent gate the caller passes; anything else is refused. */
function requireManageable(state: SpaceState, caller: GateCaller): SpaceSettings {
  if (state.status !== 'live' || state.ownerWorkspaceId !== caller.workspace_id || !state.settings) throw new MnemoError('NOT_FOUND', 'no such context space');
  if (!passesAgentGate(state.settings, caller)) throw new MnemoError('FORBIDDEN', 'you do not have access to this space', { reason: 'agent_not_allowed' });
  return state.settings;
}

export function decideSpace(command: SpaceCommand, state: SpaceState): SpaceEvent[] {
  switch (command.type) {
    case 'CreateSpace': {
      if (state.status !== 'none') throw new MnemoError('CONFLICT', 'this space id already exists');
      const settings: SpaceSettings = {
        name: command.input.name!,
        description: command.input.description ?? null,
        allowed_agent_ids: command.input.allowed_agent_ids ?? [],
        allowed_tenant_ids: command.input.allowed_tenant_ids ?? [],
        tags: command.input.tags ?? [],
      };
      checkSharing(settings, command.caller.workspace_id, command.sharingAllowed);
      return [{ type: 'space.created', data: { space_id: command.spaceId, owner_workspace_id: command.caller.workspace_id, ...settings } }];
    }
    case 'UpdateSpace': {
      const before = requireManageable(state, command.caller);
      const after: SpaceSettings = { ...before, ...(command.changes as Partial<SpaceSettings>) };
      if (command.changes.allowed_tenant_ids !== undefined) checkSharing(after, command.caller.workspace_id, command.sharingAllowed);
      const changes: Partial<SpaceSettings> = {};
      for (const field of Object.keys(command.changes) as (keyof SpaceSettings)[]) {
        if (!isDeepStrictEqual(before[field], after[field])) (changes as Record<string, unknown>)[field] = after[field];
      }
      return Object.keys(changes).length === 0 ? [] : [{ type: 'space.updated', data: { space_id: command.spaceId, changes } }];
    }
    case 'DeleteSpace':
      requireManageable(state, command.caller);
      return [{ type: 'space.deleted', data: { space_id: command.spaceId } }];
  }
}
