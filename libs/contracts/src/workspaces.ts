import type { UsageUnit } from './plans';
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
  /** Present (string or null) only in answers to the organization's owners and admins. */
  workos_organization_id?: string | null;
}

/** A member of a workspace or organization as the API shows it. */
export interface MembershipResource {
  user: { id: string; email: string | null; name: string | null };
  role: WorkspaceRole;
  joined_at: string;
}
export interface OrganizationMemberResource {
  user: { id: string; email: string | null; name: string | null };
  role: OrganizationRole;
  joined_at: string;
}

/** Roles an invitation may carry: never owner (API.md). */
export const INVITATION_ROLES = ['admin', 'member', 'viewer'] as const;
export type InvitationRole = (typeof INVITATION_ROLES)[number];
export const INVITATION_STATUSES = ['pending', 'accepted', 'cancelled'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];
/** Invitations expire 7 days after they are created. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** A pending invitation; `token` (the single-use acceptance token) only in the answer that creates it. */
export interface InvitationResource {
  id: string;
  workspace_id: number;
  email: string;
  role: InvitationRole;
  status: InvitationStatus;
  invited_by: string;
  created_at: string;
  expires_at: string;
  token?: string;
}

export interface OrganizationAccessResource {
  role: OrganizationRole;
  /** owner or admin */
  is_admin: boolean;
  /** owner or billing_admin */
  can_manage_billing: boolean;
}

export interface JoinInfoResource {
  invite_code: string;
  expires_at: string | null;
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
  /** Workspaces and organizations whose sole owner is the user and that have other members (they block deletion). */
  checkAccountDeletion: 'checkAccountDeletion',
  /** Erases a user from every workspace and organization; idempotent; CONFLICT while checkAccountDeletion blocks. */
  eraseUser: 'eraseUser',
  /** After a user verified an email: turns every pending, unexpired invitation for it into a membership. */
  joinInvitationsForEmail: 'joinInvitationsForEmail',

  // Organizations (callers: `{ user_id }` of a session user).
  createOrganization: 'createOrganization',
  listOrganizations: 'listOrganizations',
  getOrganizationAccess: 'getOrganizationAccess',
  renameOrganization: 'renameOrganization',
  deleteOrganization: 'deleteOrganization',
  listOrganizationMembers: 'listOrganizationMembers',
  addOrganizationMember: 'addOrganizationMember',
  changeOrganizationMemberRole: 'changeOrganizationMemberRole',
  removeOrganizationMember: 'removeOrganizationMember',

  // Workspaces.
  /** A workspace in a new organization, or (with organization_id) in an existing one. */
  createWorkspace: 'createWorkspace',
  listWorkspaces: 'listWorkspaces',
  updateWorkspace: 'updateWorkspace',
  /** Renames the workspace's organization; for an owner of the workspace. */
  updateOrganizationName: 'updateOrganizationName',
  getJoinInfo: 'getJoinInfo',
  rotateJoinCode: 'rotateJoinCode',
  joinByCode: 'joinByCode',
  getProviders: 'getProviders',
  setProviders: 'setProviders',

  // Members and invitations (callers: `caller`, a KeyOperationCaller, on workspace routes).
  listMembers: 'listMembers',
  /** By email: an existing verified user joins at once, anyone else gets an invitation. */
  addMember: 'addMember',
  changeMemberRole: 'changeMemberRole',
  removeMember: 'removeMember',
  leaveWorkspace: 'leaveWorkspace',
  createInvitation: 'createInvitation',
  listInvitations: 'listInvitations',
  cancelInvitation: 'cancelInvitation',
  acceptInvitation: 'acceptInvitation',
} as const;

/**
 * Who calls a workspace-bound command, as the gateway authenticated it. The service resolves the role from
 * its own state, in the command's transaction: a session user's effective role; a key acts with the weaker of
 * its scopes' role (admin at most) and its creator's current role.
 */
export type WorkspaceCaller = { kind: 'session'; user_id: string } | { kind: 'key'; key_id: string; scopes: string[]; agent_id: string | null; created_by: string };

export interface CreateWorkspaceRequest {
  user_id: string;
  name: string;
  slug?: string;
  domain?: string;
  organization_name?: string;
  organization_id?: string;
}
export interface CreateWorkspaceReply {
  workspace: WorkspaceResource;
  organization: OrganizationResource;
  is_first_workspace: boolean;
}

/** `{ status: 'added', membership }` when an existing verified user joined; `{ status: 'invited', invitation }` otherwise. */
export type AddMemberReply = { status: 'added'; membership: MembershipResource } | { status: 'invited'; invitation: InvitationResource };

export interface JoinedWorkspaceReply {
  workspace: WorkspaceResource;
  membership: MembershipResource;
}

export interface CheckAccountDeletionRequest {
  user_id: string;
}
export interface CheckAccountDeletionReply {
  blocking_workspaces: { workspace_id: number; name: string }[];
  blocking_organizations: { id: string; name: string }[];
}

export interface EraseUserRequest {
  user_id: string;
  erasure_id: string;
}
export interface EraseUserReply {
  deleted_workspace_ids: number[];
  deleted_organization_ids: string[];
}

export interface JoinInvitationsForEmailRequest {
  user_id: string;
  email: string;
}
export interface JoinInvitationsForEmailReply {
  joined: { workspace_id: number; role: string }[];
}

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
  billing_cycle: BillingCycle;
  /** The current monthly usage period (ISO 8601 UTC, end exclusive); the memory service gates usage by it. */
  period_start: string;
  period_end: string;
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
  /** updateDetails allows longer names than create (workspace-api seed). */
  updatedWorkspaceName: { min: 2, max: 80 },
  organizationName: { min: 2, max: 80 },
  slug: { min: 2, max: 50 },
  domain: { min: 2, max: 256 },
  /** create without organization_id tracks a shorter domain (workspace-api seed). */
  newOrganizationDomain: { min: 2, max: 50 },
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
  organizationRenamed: 'organization.renamed',
  organizationMemberRoleChanged: 'organization.member_role_changed',
  organizationMemberRemoved: 'organization.member_removed',
  organizationDeleted: 'organization.deleted',
  organizationWorkosLinked: 'organization.workos_linked',
  workspaceCreated: 'workspace.created',
  workspaceDetailsUpdated: 'workspace.details_updated',
  workspaceProvidersSet: 'workspace.providers_set',
  workspaceJoinCodeRotated: 'workspace.join_code_rotated',
  workspaceDeleted: 'workspace.deleted',
  workspaceStatusChanged: 'workspace.status_changed',
  workspacePlanChanged: 'workspace.plan_changed',
  workspacePeriodStarted: 'workspace.period_started',
  workspaceSuspended: 'workspace.suspended',
  workspaceReinstated: 'workspace.reinstated',
  workspacePaymentAwaited: 'workspace.payment_awaited',
  workspaceLimitReached: 'workspace.limit_reached',
  membershipGranted: 'membership.granted',
  membershipRoleChanged: 'membership.role_changed',
  membershipRevoked: 'membership.revoked',
  invitationCreated: 'invitation.created',
  invitationAccepted: 'invitation.accepted',
  invitationCancelled: 'invitation.cancelled',
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

export interface OrganizationRenamed {
  organization_id: string;
  name: string;
}
export interface OrganizationMemberRoleChanged {
  organization_id: string;
  user_id: string;
  role: OrganizationRole;
  previous_role: OrganizationRole;
}
export const REMOVAL_REASONS = ['removed', 'left', 'erased', 'workspace_deleted'] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];
export interface OrganizationMemberRemoved {
  organization_id: string;
  user_id: string;
  reason: RemovalReason;
}
/** `erasure_id` is set when the deletion is part of an account erasure. */
export interface OrganizationDeleted {
  organization_id: string;
  erasure_id: string | null;
}

/** An operator linked the organization to its WorkOS organization (null: unlinked). */
export interface OrganizationWorkosLinked {
  organization_id: string;
  workos_organization_id: string | null;
}
/** WorkOS organization ids: `org_` and letters and digits (e.g. `org_01HZX4…`). */
export const WORKOS_ORGANIZATION_ID_PATTERN = /^org_[A-Za-z0-9]{1,96}$/;

/** The new values of the details that changed. */
export interface WorkspaceDetailsUpdated {
  workspace_id: number;
  name: string;
  domain: string | null;
  /** The uploaded icon the workspace shows (its bytes stay in this service); null: none. Absent in events from before icons: none. */
  icon_storage_id?: string | null;
}
export interface WorkspaceProvidersSet {
  workspace_id: number;
  enabled_providers: Provider[];
}
/** A new join code replaces the old one; like at creation only its SHA-256 travels. */
export interface WorkspaceJoinCodeRotated {
  workspace_id: number;
  join_code_sha256: string;
  join_code_expires_at: string | null;
}
export interface WorkspaceDeleted {
  workspace_id: number;
  organization_id: string;
  erasure_id: string | null;
}

/**
 * The consumer-facing lifecycle facts. Whatever internal event changes a workspace's derived status
 * (precedence suspended > pending_payment > limit_reached > active) is appended together with a
 * `workspace.status_changed`; a plan change with a `workspace.plan_changed`; a new usage period (at creation and
 * at every rollover) with a `workspace.period_started`. Other services keep their projections from these three.
 */
export interface WorkspaceStatusChanged {
  workspace_id: number;
  status: WorkspaceStatus;
  previous_status: WorkspaceStatus;
  /** Why, in words an operator or the billing flow gave (e.g. the suspension reason); null when implicit. */
  reason: string | null;
}
export interface WorkspacePlanChanged {
  workspace_id: number;
  plan_name: PlanName;
  billing_cycle: BillingCycle;
  previous_plan_name: PlanName;
  /** Who changed it: an operator, a completed payment, or a cancellation reaching the period's end. */
  source: 'operator' | 'payment' | 'cancellation' | 'owner';
  /** The reason an operator gave for an override; absent otherwise. */
  reason?: string;
}
/** Usage periods are monthly on every plan (DESIGN.md); ISO 8601 UTC, `period_end` exclusive. */
export interface WorkspacePeriodStarted {
  workspace_id: number;
  period_start: string;
  period_end: string;
}

/**
 * Internal lifecycle facts of the Workspace aggregate (consumers act on `workspace.status_changed` instead).
 * Operator and billing suspensions are separate flags: reinstating one does not lift the other.
 */
export const SUSPENSION_SOURCES = ['operator', 'billing'] as const;
export type SuspensionSource = (typeof SUSPENSION_SOURCES)[number];
export interface WorkspaceSuspended {
  workspace_id: number;
  by: SuspensionSource;
  reason: string;
}
export interface WorkspaceReinstated {
  workspace_id: number;
  by: SuspensionSource;
  reason: string;
}
/** A paid plan waits for its first payment: `pending_payment` until a `workspace.plan_changed` with source `payment`. */
export interface WorkspacePaymentAwaited {
  workspace_id: number;
  plan_name: PlanName;
  billing_cycle: BillingCycle;
}
/** One unit reached the plan's cap in the period; lifted by the next period or a plan change. */
export interface WorkspaceLimitReached {
  workspace_id: number;
  period_start: string;
  unit: UsageUnit;
}

export interface MembershipRoleChanged {
  workspace_id: number;
  user_id: string;
  role: WorkspaceRole;
  previous_role: WorkspaceRole;
}
export interface MembershipRevoked {
  workspace_id: number;
  user_id: string;
  reason: RemovalReason;
}

/**
 * One stream per invitation (`invitation-<uuid>`), owner id `workspaceId`. The acceptance token is a
 * credential: events carry only its SHA-256, the token itself only the creating answer.
 */
export interface InvitationCreated {
  invitation_id: string;
  workspace_id: number;
  /** Normalized (trimmed, lowercase). */
  email: string;
  role: InvitationRole;
  invited_by: string;
  token_sha256: string;
  expires_at: string;
}
export interface InvitationAccepted {
  invitation_id: string;
  workspace_id: number;
  user_id: string;
  /** The invitation's own token, or a verified email address. */
  via: 'token' | 'verified_email';
}
export interface InvitationCancelled {
  invitation_id: string;
  workspace_id: number;
  cancelled_by: string;
}

/** Every event of the workspaces service, discriminated by `type`. */
export type WorkspacesEvent =
  | { type: 'organization.created'; data: OrganizationCreated }
  | { type: 'organization.member_added'; data: OrganizationMemberAdded }
  | { type: 'organization.renamed'; data: OrganizationRenamed }
  | { type: 'organization.member_role_changed'; data: OrganizationMemberRoleChanged }
  | { type: 'organization.member_removed'; data: OrganizationMemberRemoved }
  | { type: 'organization.deleted'; data: OrganizationDeleted }
  | { type: 'organization.workos_linked'; data: OrganizationWorkosLinked }
  | { type: 'workspace.created'; data: WorkspaceCreated }
  | { type: 'workspace.details_updated'; data: WorkspaceDetailsUpdated }
  | { type: 'workspace.providers_set'; data: WorkspaceProvidersSet }
  | { type: 'workspace.join_code_rotated'; data: WorkspaceJoinCodeRotated }
  | { type: 'workspace.deleted'; data: WorkspaceDeleted }
  | { type: 'workspace.status_changed'; data: WorkspaceStatusChanged }
  | { type: 'workspace.plan_changed'; data: WorkspacePlanChanged }
  | { type: 'workspace.period_started'; data: WorkspacePeriodStarted }
  | { type: 'workspace.suspended'; data: WorkspaceSuspended }
  | { type: 'workspace.reinstated'; data: WorkspaceReinstated }
  | { type: 'workspace.payment_awaited'; data: WorkspacePaymentAwaited }
  | { type: 'workspace.limit_reached'; data: WorkspaceLimitReached }
  | { type: 'membership.granted'; data: MembershipGranted }
  | { type: 'membership.role_changed'; data: MembershipRoleChanged }
  | { type: 'membership.revoked'; data: MembershipRevoked }
  | { type: 'invitation.created'; data: InvitationCreated }
  | { type: 'invitation.accepted'; data: InvitationAccepted }
  | { type: 'invitation.cancelled'; data: InvitationCancelled };

export type OrganizationEvent = Extract<WorkspacesEvent, { type: `organization.${string}` }>;
export type WorkspaceEvent = Extract<WorkspacesEvent, { type: `workspace.${string}` }>;
export type MembershipEvent = Extract<WorkspacesEvent, { type: `membership.${string}` }>;
export type InvitationEvent = Extract<WorkspacesEvent, { type: `invitation.${string}` }>;

/** Workspace ids are positive 32-bit integers (the API shows them as plain numbers, e.g. 42). */
export const MAX_WORKSPACE_ID = 2_147_483_647;

/** A workspace id from a path or header, or undefined when it cannot be one (which the API answers with 404). */
export function parseWorkspaceId(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= MAX_WORKSPACE_ID ? id : undefined;
}
