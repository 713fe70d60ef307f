import type { BillingCycle, PlanName, Provider, WorkspaceEvent, WorkspaceStatus } from '@mnemo/contracts';

export type WorkspaceState =
  | { exists: false }
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
      };
  }
}
