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
  /** A workspace's standing for credentials that are not users (API keys): status and plan; NOT_FOUND if gone. */
  getWorkspaceStanding: 'getWorkspaceStanding',
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
  /** When set, NOT_FOUND unless this user has access; absent when the gateway already checked the caller's access. */
  user_id?: string;
}
export type GetWorkspaceReply = WorkspaceResource;

export interface GetWorkspaceStandingRequest {
  workspace_id: number;
}
export interface GetWorkspaceStandingReply {
  workspace_id: number;
  organization_id: string;
  name: string;
  slug: string;
  status: WorkspaceStatus;
  plan_name: PlanName;
}

export interface ListUserWorkspacesRequest {
  user_id: string;
}
export interface ListUserWorkspacesReply {
  workspaces: { workspace_id: number; name: string; slug: string; role: WorkspaceRole; organization_id: string; status: WorkspaceStatus }[];
}

export const BILLING_CYCLES = ['monthly', 'annual'] as const;
export type BillingCycle = (typeof BILLING_CYCLES)[number];

/** Providers a new workspace tracks until an admin chooses (API.md: at least one). */
export const DEFAULT_ENABLED_PROVIDERS: readonly Provider[] = ['openai'];

/** Limits of API.md for names and slugs, in characters (Unicode code points). */
export const WORKSPACE_LIMITS = {
  workspaceName: { min: 2, max: 50 },
  organizationName: { min: 2, max: 80 },
  slug: { min: 2, max: 50 },
  domain: { min: 2, max: 256 },
} as const;

/** Slugs of workspaces and organizations: `[a-z0-9-]`, 2–50, no leading, trailing or doubled hyphen. */
export const SLUG_PATTERN = /^(?=.{2,50}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

// ---------------------------------------------------------------------------------------------------------
// Domain events, published on `<prefix>.workspaces.<aggregate>.<event>`. The aggregate part is one segment.
// Stream ids: `organization-<uuid>`, `workspace-<workspace_id>`, `membership-<workspace_id>-<user_id>`.
// Owner ids in the envelope: organization events carry `organizationId`; workspace and membership events
// carry `workspaceId` (the decimal string of workspace_id).
// ---------------------------------------------------------------------------------------------------------

export const WORKSPACES_EVENT_TYPES = {
  organizationCreated: 'organization.created',
  organizationMemberAdded: 'organization.member_added',
  workspaceCreated: 'workspace.created',
  membershipGranted: 'membership.granted',
} as const;
export type WorkspacesEventType = (typeof WORKSPACES_EVENT_TYPES)[keyof typeof WORKSPACES_EVENT_TYPES];

export interface OrganizationCreated {
  organization_id: string;
  name: string;
  slug: string;
  /** The user who created it. */
  created_by: string;
}

/** The organization's member roster lives in the Organization aggregate, so its last-owner rule is pure. */
export interface OrganizationMemberAdded {
  organization_id: string;
  user_id: string;
  role: OrganizationRole;
}

export interface WorkspaceCreated {
  workspace_id: number;
  organization_id: string;
  name: string;
  slug: string;
  domain: string | null;
  icon_storage_id: string | null;
  status: WorkspaceStatus;
  plan_name: PlanName;
  billing_cycle: BillingCycle;
  enabled_providers: Provider[];
  /**
   * SHA-256 (hex) of the join code issued with the workspace. The code itself is a credential: it is kept
   * only in the service's read model, never published.
   */
  join_code_sha256: string;
  join_code_expires_at: string | null;
  /** True for the personal workspace created at signup. */
  personal: boolean;
  created_by: string;
}

export const MEMBERSHIP_SOURCES = ['workspace_creation', 'invitation', 'join_code', 'added_by_admin'] as const;
export type MembershipSource = (typeof MEMBERSHIP_SOURCES)[number];

export interface MembershipGranted {
  workspace_id: number;
  user_id: string;
  role: WorkspaceRole;
  /** How the user came in. */
  via: MembershipSource;
}

/** Every event of the workspaces service, discriminated by `type`. */
export type WorkspacesEvent =
  | { type: 'organization.created'; data: OrganizationCreated }
  | { type: 'organization.member_added'; data: OrganizationMemberAdded }
  | { type: 'workspace.created'; data: WorkspaceCreated }
  | { type: 'membership.granted'; data: MembershipGranted };

export type OrganizationEvent = Extract<WorkspacesEvent, { type: `organization.${string}` }>;
export type WorkspaceEvent = Extract<WorkspacesEvent, { type: `workspace.${string}` }>;
export type MembershipEvent = Extract<WorkspacesEvent, { type: `membership.${string}` }>;

/** Workspace ids are positive 32-bit integers (the API shows them as plain numbers, e.g. 42). */
export const MAX_WORKSPACE_ID = 2_147_483_647;

/** A workspace id from a path or header, or undefined when it cannot be one (which the API answers with 404). */
export function parseWorkspaceId(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= MAX_WORKSPACE_ID ? id : undefined;
}
