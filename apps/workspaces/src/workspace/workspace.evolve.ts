import type { BillingCycle, PlanName, Provider, WorkspaceEvent, WorkspaceStatus } from '@mnemo/contracts';

export type WorkspaceState =
  | { exists: false; deleted?: boolean }
  | {
      exists: true;
      workspaceId: number;
      organizationId: string;
      name: string;
      slug: string;
      domain: string | null;
      status: WorkspaceStatus;
      planName: PlanName;
      billingCycle: BillingCycle;
      enabledProviders: Provider[];
      joinCodeSha256: string;
      joinCodeExpiresAt: string | null;
    };

export const initialWorkspaceState: WorkspaceState = { exists: false };

export function evolveWorkspace(state: WorkspaceState, event: WorkspaceEvent): WorkspaceState {
  switch (event.type) {
    case 'workspace.created':
      return {
        exists: true,
        workspaceId: event.data.workspace_id,
        organizationId: event.data.organization_id,
        name: event.data.name,
        slug: event.data.slug,
        domain: event.data.domain,
        status: event.data.status,
        planName: event.data.plan_name,
        billingCycle: event.data.billing_cycle,
        enabledProviders: event.data.enabled_providers,
        joinCodeSha256: event.data.join_code_sha256,
        joinCodeExpiresAt: event.data.join_code_expires_at,
      };
    case 'workspace.deleted':
      return { exists: false, deleted: true };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'workspace.details_updated':
      return { ...state, name: event.data.name, domain: event.data.domain };
    case 'workspace.providers_set':
      return { ...state, enabledProviders: event.data.enabled_providers };
    case 'workspace.join_code_rotated':
      return { ...state, joinCodeSha256: event.data.join_code_sha256, joinCodeExpiresAt: event.data.join_code_expires_at };
  }
}
