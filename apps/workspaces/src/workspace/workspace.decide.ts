import {
  MnemoError,
  PROVIDERS,
  WORKSPACE_LIMITS,
  type BillingCycle,
  type PlanName,
  type Provider,
  type WorkspaceEvent,
  type WorkspaceRole,
} from '@mnemo/contracts';
import type { Decider } from '../decider';
import { requireLength, requireSlug } from '../limits';
import { requireManager, requireOwner } from '../membership/grant-rules';
import { evolveWorkspace, initialWorkspaceState, type WorkspaceState } from './workspace.evolve';

/** One stream per workspace; `workspace_id` comes from the `workspace_ids` sequence. */
export function workspaceStreamId(workspaceId: number): string {
  return `workspace-${workspaceId}`;
}

/**
 * `actorRole` is the caller's effective role in the workspace, resolved by the handler in the command's
 * transaction (workspace membership, or org owner/admin → admin; a key's role is capped by its scopes).
 */
export type WorkspaceCommand =
  | {
      type: 'CreateWorkspace';
      workspaceId: number;
      organizationId: string;
      name: string;
      /** Already reserved by the caller (slug reservations are a cross-aggregate guard). */
      slug: string;
      domain: string | null;
      /** Creating a workspace in a new organization tracks a shorter domain (2–50) than creating it in one (2–256). */
      domainLimit?: { min: number; max: number };
      planName: PlanName;
      billingCycle: BillingCycle;
      enabledProviders: readonly Provider[];
      joinCodeSha256: string;
      personal: boolean;
      createdBy: string;
    }
  /** Absent fields stay as they are; `domain: null` clears the domain. */
  | { type: 'UpdateWorkspaceDetails'; name?: string; domain?: string | null; actorRole: WorkspaceRole }
  | { type: 'SetEnabledProviders'; providers: readonly Provider[]; actorRole: WorkspaceRole }
  | { type: 'RotateJoinCode'; joinCodeSha256: string; expiresAt: string | null; now: string; actorRole: WorkspaceRole }
  | {
      type: 'DeleteWorkspace';
      /** null: an account erasure deletes the workspace its user was alone in. */
      actorRole: WorkspaceRole | null;
      erasureId: string | null;
    };

export function decideWorkspace(command: WorkspaceCommand, state: WorkspaceState): WorkspaceEvent[] {
  switch (command.type) {
    case 'CreateWorkspace': {
      if (state.exists || state.deleted) throw new MnemoError('CONFLICT', 'the workspace already exists');
      requireLength('name', command.name, WORKSPACE_LIMITS.workspaceName);
      requireSlug('slug', command.slug);
      if (command.domain !== null) requireLength('domain', command.domain, command.domainLimit ?? WORKSPACE_LIMITS.domain);
      requireProviders(command.enabledProviders);
      return [
        {
          type: 'workspace.created',
          data: {
            workspace_id: command.workspaceId,
            organization_id: command.organizationId,
            name: command.name,
            slug: command.slug,
            domain: command.domain,
            icon_storage_id: null,
            // Free plans skip pending_payment (mnemexa); a paid plan waits for its first payment.
            status: command.planName === 'free' ? 'active' : 'pending_payment',
            plan_name: command.planName,
            billing_cycle: command.billingCycle,
            enabled_providers: [...command.enabledProviders],
            join_code_sha256: command.joinCodeSha256,
            join_code_expires_at: null,
            personal: command.personal,
            created_by: command.createdBy,
          },
        },
      ];
    }
  }
  if (!state.exists) throw new MnemoError('NOT_FOUND', 'workspace not found');
  const workspace_id = state.workspaceId;
  switch (command.type) {
    case 'UpdateWorkspaceDetails': {
      requireOwner(command.actorRole, 'update the workspace details');
      if (command.name === undefined && command.domain === undefined) {
        throw new MnemoError('VALIDATION_ERROR', 'send name or domain', { field: 'body' });
      }
      if (command.name !== undefined) requireLength('name', command.name, WORKSPACE_LIMITS.updatedWorkspaceName);
      if (command.domain !== undefined && command.domain !== null) requireLength('domain', command.domain, WORKSPACE_LIMITS.domain);
      const name = command.name ?? state.name;
      const domain = command.domain === undefined ? state.domain : command.domain;
      if (name === state.name && domain === state.domain) return [];
      return [{ type: 'workspace.details_updated', data: { workspace_id, name, domain } }];
    }
    case 'SetEnabledProviders': {
      requireManager(command.actorRole, 'choose the providers');
      requireProviders(command.providers);
      const unchanged = command.providers.length === state.enabledProviders.length && command.providers.every((p, i) => p === state.enabledProviders[i]);
      if (unchanged) return [];
      return [{ type: 'workspace.providers_set', data: { workspace_id, enabled_providers: [...command.providers] } }];
    }
    case 'RotateJoinCode': {
      requireManager(command.actorRole, 'rotate the join code');
      if (command.expiresAt !== null && Date.parse(command.expiresAt) <= Date.parse(command.now)) {
        throw new MnemoError('VALIDATION_ERROR', 'expires_at must be in the future', { field: 'expires_at' });
      }
      return [
        {
          type: 'workspace.join_code_rotated',
          data: { workspace_id, join_code_sha256: command.joinCodeSha256, join_code_expires_at: command.expiresAt },
        },
      ];
    }
    case 'DeleteWorkspace': {
      if (command.erasureId === null) requireOwner(command.actorRole, 'delete the workspace');
      return [{ type: 'workspace.deleted', data: { workspace_id, organization_id: state.organizationId, erasure_id: command.erasureId } }];
    }
  }
}

function requireProviders(providers: readonly Provider[]): void {
  const unknown = providers.filter((provider) => !(PROVIDERS as readonly string[]).includes(provider));
  if (providers.length === 0 || unknown.length > 0 || new Set(providers).size !== providers.length) {
    throw new MnemoError('VALIDATION_ERROR', `enabled providers must be at least one of ${PROVIDERS.join(', ')}, each once`, {
      field: 'enabled_providers',
      ...(unknown.length > 0 ? { unknown } : {}),
    });
  }
}

export const workspaceDecider: Decider<WorkspaceCommand, WorkspaceState, WorkspaceEvent> = {
  initialState: initialWorkspaceState,
  decide: decideWorkspace,
  evolve: evolveWorkspace,
};
