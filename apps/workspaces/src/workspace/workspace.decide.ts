import {
  MnemoError,
  PROVIDERS,
  WORKSPACE_LIMITS,
  type BillingCycle,
  type PlanName,
  type Provider,
  type WorkspaceEvent,
} from '@mnemo/contracts';
import type { Decider } from '../decider';
import { requireLength, requireSlug } from '../limits';
import { evolveWorkspace, initialWorkspaceState, type WorkspaceState } from './workspace.evolve';

/** One stream per workspace; `workspace_id` comes from the `workspace_ids` sequence. */
export function workspaceStreamId(workspaceId: number): string {
  return `workspace-${workspaceId}`;
}

export type WorkspaceCommand = {
  type: 'CreateWorkspace';
  workspaceId: number;
  organizationId: string;
  name: string;
  /** Already reserved by the caller (slug reservations are a cross-aggregate guard). */
  slug: string;
  domain: string | null;
  planName: PlanName;
  billingCycle: BillingCycle;
  enabledProviders: readonly Provider[];
  joinCodeSha256: string;
  personal: boolean;
  createdBy: string;
};

export function decideWorkspace(command: WorkspaceCommand, state: WorkspaceState): WorkspaceEvent[] {
  switch (command.type) {
    case 'CreateWorkspace': {
      if (state.exists) throw new MnemoError('CONFLICT', 'the workspace already exists');
      requireLength('name', command.name, WORKSPACE_LIMITS.workspaceName);
      requireSlug('slug', command.slug);
      if (command.domain !== null) requireLength('domain', command.domain, WORKSPACE_LIMITS.domain);
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
