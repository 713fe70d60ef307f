/**
 * The workspaces service's contract: resources as the API shows them, RPC operations with their request and
 * reply shapes, and the domain events it publishes on `<prefix>.workspaces.<aggregate>.<event>`.
 */
export const WORKSPACE_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export const ORGANIZATION_ROLES = ['owner', 'admin', 'member', 'billing_admin'] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

export const WORKSPACE_STATUSES = ['active', 'pending_payment', 'limit_reached', 'suspended'] as const;
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number];

export const PROVIDERS = ['openai', 'anthropic', 'google', 'perplexity', 'mistral', 'cohere'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const PLAN_NAMES = ['free', 'pro', 'team'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

/** The Workspace resource of API.md. `workspace_id` is a positive integer. */
export interface WorkspaceResource {
  workspace_id: number;
  organization_id: string;
  organization_name: string;
  organization_slug: string;
  name: string;
  slug: string;
  domain: string | null;
  icon_url: string | null;
  status: WorkspaceStatus;
  plan_name: PlanName;
  billing_cycle: 'monthly' | 'annual';
  enabled_providers: Provider[];
  created_at: string;
}

export interface OrganizationResource {
  id: string;
  name: string;
  slug: string;
  created_at: string;
}

/** RPC operations of the workspaces service (`rpc.workspaces.<operation>`). */
export const WORKSPACES_RPC = {
  /** Creates the personal organization and first workspace of a new user; deduplicated by user id. */
  createPersonalWorkspace: 'createPersonalWorkspace',
  /** The caller's effective role in a workspace (workspace membership, or org owner/admin → admin). */
  getAccess: 'getAccess',
  /** One workspace as the API shows it, for a user who may access it. */
  getWorkspace: 'getWorkspace',
  /** Every workspace a user can access, with the role. */
  listUserWorkspaces: 'listUserWorkspaces',
} as const;

export interface CreatePersonalWorkspaceRequest {
  user_id: string;
  email: string;
  name?: string;
}
export interface CreatePersonalWorkspaceReply {
  workspace: WorkspaceResource;
  organization: OrganizationResource;
  is_first_workspace: true;
}

export interface GetAccessRequest {
  workspace_id: number;
  user_id: string;
}
/** NOT_FOUND when the workspace does not exist or the user has no access to it. */
export interface GetAccessReply {
  workspace_id: number;
  organization_id: string;
  role: WorkspaceRole;
  /** How the role was obtained: a workspace membership, or an org owner/admin's reach. */
  via: 'membership' | 'organization';
  status: WorkspaceStatus;
  plan_name: PlanName;
}

export interface GetWorkspaceRequest {
  workspace_id: number;
  user_id: string;
}
export type GetWorkspaceReply = WorkspaceResource;

export interface ListUserWorkspacesRequest {
  user_id: string;
}
export interface ListUserWorkspacesReply {
  workspaces: { workspace_id: number; name: string; slug: string; role: WorkspaceRole; organization_id: string; status: WorkspaceStatus }[];
}
