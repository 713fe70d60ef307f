/**
 * Workspace lifecycle, status and usage: the limits of operator input, the RPC operations behind the admin port,
 * `GET /v1/status` and `DELETE /v1/workspaces/:id`, their request / reply shapes and the public routes' access.
 * The events live in `workspaces.ts`.
 */
import type { UnitCounts } from './plans';
import type { RouteAccess } from './scopes';
import type { BillingCycle, PlanName, WorkspaceCaller, WorkspaceStatus } from './workspaces';

export const LIFECYCLE_LIMITS = {
  /** The reason an operator gives for a suspension, reinstatement or plan override. */
  reason: { min: 1, max: 500 },
} as const;

/** Operations of the workspaces service (`rpc.workspaces.<operation>`) for lifecycle, status and deletion. */
export const LIFECYCLE_RPC = {
  /** Operator (admin port): `{ workspace_id, reason }`; CONFLICT when already suspended by an operator. */
  suspendWorkspace: 'suspendWorkspace',
  /** Operator: `{ workspace_id, reason }`; CONFLICT unless suspended by an operator. Billing suspensions stay. */
  reinstateWorkspace: 'reinstateWorkspace',
  /** Operator: `{ workspace_id, plan_name, reason, billing_cycle? }`; no payment needed. */
  overridePlan: 'overridePlan',
  /** Operator: `{ organization_id, workos_organization_id }` (null unlinks). */
  linkWorkosOrganization: 'linkWorkosOrganization',
  /** `{ workspace_id }` → WorkspaceStatusResource, in every state. */
  getStatus: 'getStatus',
  /** `{ workspace_id, caller, confirm_slug }` → `{ erasure_id }`: owners only; appends `workspace.deleted`. */
  deleteWorkspace: 'deleteWorkspace',
} as const;

/** `GET /v1/status`: usage of the current monthly period against the plan's per-period caps. */
export interface WorkspaceStatusResource {
  workspace_id: number;
  workspace_name: string;
  workspace_status: WorkspaceStatus;
  plan_name: PlanName;
  billing_cycle: BillingCycle;
  period_start: string;
  period_end: string;
  usage: UnitCounts;
  /** The most units of each kind the period admits (included units, plus overage up to the cost cap on paid plans). */
  limits: UnitCounts;
}

export interface OperatorWorkspaceRequest {
  workspace_id: number;
  reason: string;
}
export interface OverridePlanRequest extends OperatorWorkspaceRequest {
  plan_name: PlanName;
  billing_cycle?: BillingCycle;
}
export interface LinkWorkosOrganizationRequest {
  organization_id: string;
  workos_organization_id: string | null;
}
export interface DeleteWorkspaceRequest {
  workspace_id: number;
  caller: WorkspaceCaller;
  confirm_slug: string;
}
export interface DeleteWorkspaceReply {
  erasure_id: string;
}

/** Access rules of the public routes here; spread into ROUTE_ACCESS. The admin port has its own credential. */
export const LIFECYCLE_ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  // Answers in every state, to anyone who may read the workspace (DESIGN.md: status always answers).
  'GET /v1/status': { auth: 'workspace', scope: 'memory:read', workspace: 'implicit' },
  // Owner only (the service checks the role); a key acts as admin at most, so the service refuses it with 403.
  'DELETE /v1/workspaces/:id': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
};
