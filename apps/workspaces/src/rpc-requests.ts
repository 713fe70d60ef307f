import {
  MnemoError,
  ORGANIZATION_ROLES,
  SLUG_PATTERN,
  WORKSPACE_ROLES,
  type OrganizationRole,
  type Provider,
  type WorkspaceCaller,
  type WorkspaceRole,
} from '@mnemo/contracts';

/**
 * Parsing of RPC requests. Unknown fields are ignored rather than refused: callers and this service are
 * deployed independently, and a newer caller may send a field an older service does not know yet (the
 * gateway is where a client's unknown fields are refused).
 */
type Fields = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A pragmatic shape check: identity owns addresses and verifies them by mail; this only refuses nonsense.
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const MAX_EMAIL_LENGTH = 254;
const MAX_USER_NAME_LENGTH = 100;

function invalid(field: string, message: string): MnemoError {
  return new MnemoError('VALIDATION_ERROR', message, { field });
}

function fieldsOf(data: unknown): Fields {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid('body', 'the request must be an object');
  return data as Fields;
}

function userId(fields: Fields): string {
  const value = fields.user_id;
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid('user_id', 'user_id must be a UUID');
  return value.toLowerCase();
}

function workspaceId(fields: Fields): number {
  const value = fields.workspace_id;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 2_147_483_647) {
    throw invalid('workspace_id', 'workspace_id must be a positive integer');
  }
  return value;
}

function email(fields: Fields): string {
  const value = fields.email;
  if (typeof value !== 'string') throw invalid('email', 'email must be an email address');
  const trimmed = value.trim();
  if (trimmed.length > MAX_EMAIL_LENGTH || !EMAIL.test(trimmed)) throw invalid('email', 'email must be an email address');
  return trimmed;
}

/** The user's display name (API.md: 1–100); blank counts as absent. */
function optionalUserName(fields: Fields): string | undefined {
  const value = fields.name;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid('name', 'name must be a string');
  const trimmed = value.trim();
  if (Array.from(trimmed).length > MAX_USER_NAME_LENGTH) throw invalid('name', `name must be at most ${MAX_USER_NAME_LENGTH} characters`);
  return trimmed || undefined;
}

export function parseCreatePersonalWorkspaceRequest(data: unknown): { userId: string; email: string; name?: string } {
  const fields = fieldsOf(data);
  const name = optionalUserName(fields);
  return { userId: userId(fields), email: email(fields), ...(name === undefined ? {} : { name }) };
}

export function parseWorkspaceUserRequest(data: unknown): { workspaceId: number; userId: string } {
  const fields = fieldsOf(data);
  return { workspaceId: workspaceId(fields), userId: userId(fields) };
}

/** `user_id` is optional: without it, the caller (the gateway) has already checked access. */
export function parseWorkspaceRequest(data: unknown): { workspaceId: number; userId?: string } {
  const fields = fieldsOf(data);
  const id = workspaceId(fields);
  return fields.user_id === undefined ? { workspaceId: id } : { workspaceId: id, userId: userId(fields) };
}

export function parseWorkspaceIdRequest(data: unknown): { workspaceId: number } {
  return { workspaceId: workspaceId(fieldsOf(data)) };
}

export function parseUserRequest(data: unknown): { userId: string } {
  return { userId: userId(fieldsOf(data)) };
}

// ---------------------------------------------------------------------------------------------------------
// Organizations, workspaces, members, invitations, join codes, providers.
// Ids that come from a URL path answer NOT_FOUND when malformed (API.md), never VALIDATION_ERROR.
// ---------------------------------------------------------------------------------------------------------

function pathUuid(fields: Fields, field: string, what: string): string {
  const value = fields[field];
  if (typeof value !== 'string' || !UUID.test(value)) throw new MnemoError('NOT_FOUND', `${what} not found`);
  return value.toLowerCase();
}

/** A name as a person typed it: surrounding whitespace is not part of it. The length rule is the decider's. */
function requiredName(fields: Fields, field: string): string {
  const value = fields[field];
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string`);
  return value.trim();
}

function optionalName(fields: Fields, field: string): string | undefined {
  return fields[field] === undefined || fields[field] === null ? undefined : requiredName(fields, field);
}

function optionalSlug(fields: Fields, field: string): string | undefined {
  const value = fields[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !SLUG_PATTERN.test(value)) throw invalid(field, `${field} must be 2-50 characters of a-z, 0-9 and single hyphens`);
  return value;
}

function role<T extends string>(fields: Fields, allowed: readonly T[], fallback?: T): T {
  const value = fields.role ?? fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalid('role', `role must be one of ${allowed.join(', ')}`);
  return value as T;
}

function workspaceCaller(fields: Fields): WorkspaceCaller {
  const value = fields.caller;
  if (typeof value !== 'object' || value === null) throw invalid('caller', 'caller must be a session or key caller');
  const caller = value as Fields;
  if (caller.kind === 'session') return { kind: 'session', user_id: userId(caller) };
  if (
    caller.kind === 'key' &&
    typeof caller.key_id === 'string' &&
    Array.isArray(caller.scopes) &&
    caller.scopes.every((scope) => typeof scope === 'string') &&
    typeof caller.created_by === 'string' &&
    UUID.test(caller.created_by)
  ) {
    return {
      kind: 'key',
      key_id: caller.key_id,
      scopes: caller.scopes as string[],
      agent_id: typeof caller.agent_id === 'string' ? caller.agent_id : null,
      created_by: caller.created_by.toLowerCase(),
    };
  }
  throw invalid('caller', 'caller must be a session or key caller');
}

function optionalTime(fields: Fields, field: string): string | null {
  const value = fields[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalid(field, `${field} must be an ISO 8601 time`);
  return new Date(value).toISOString();
}

export function parseUserOrganizationRequest(data: unknown): { userId: string; organizationId: string } {
  const fields = fieldsOf(data);
  return { userId: userId(fields), organizationId: pathUuid(fields, 'organization_id', 'organization') };
}

export function parseCreateOrganizationRequest(data: unknown): { userId: string; name: string; slug?: string } {
  const fields = fieldsOf(data);
  return { userId: userId(fields), name: requiredName(fields, 'name'), slug: optionalSlug(fields, 'slug') };
}

export function parseRenameOrganizationRequest(data: unknown): { userId: string; organizationId: string; name: string } {
  const fields = fieldsOf(data);
  return { ...parseUserOrganizationRequest(fields), name: requiredName(fields, 'name') };
}

export function parseAddOrganizationMemberRequest(data: unknown): { userId: string; organizationId: string; email: string; role: OrganizationRole } {
  const fields = fieldsOf(data);
  return { ...parseUserOrganizationRequest(fields), email: email(fields), role: role(fields, ORGANIZATION_ROLES, 'member') };
}

export function parseOrganizationMemberRequest(data: unknown): { userId: string; organizationId: string; memberUserId: string } {
  const fields = fieldsOf(data);
  return { ...parseUserOrganizationRequest(fields), memberUserId: pathUuid(fields, 'member_user_id', 'member') };
}

export function parseChangeOrganizationMemberRoleRequest(data: unknown): {
  userId: string;
  organizationId: string;
  memberUserId: string;
  role: OrganizationRole;
} {
  const fields = fieldsOf(data);
  return { ...parseOrganizationMemberRequest(fields), role: role(fields, ORGANIZATION_ROLES) };
}

export interface CreateWorkspaceCommandRequest {
  userId: string;
  name: string;
  slug?: string;
  domain?: string;
  organizationName?: string;
  organizationId?: string;
  /** An uploaded icon (account-level upload URL) for the new workspace. */
  iconStorageId?: string;
}

export function parseCreateWorkspaceRequest(data: unknown): CreateWorkspaceCommandRequest {
  const fields = fieldsOf(data);
  const request: CreateWorkspaceCommandRequest = { userId: userId(fields), name: requiredName(fields, 'name') };
  const slug = optionalSlug(fields, 'slug');
  if (slug !== undefined) request.slug = slug;
  const domain = optionalName(fields, 'domain');
  if (domain !== undefined) request.domain = domain;
  const organizationName = optionalName(fields, 'organization_name');
  if (organizationName !== undefined) request.organizationName = organizationName;
  if (fields.icon_storage_id !== undefined && fields.icon_storage_id !== null) {
    if (typeof fields.icon_storage_id !== 'string' || !UUID.test(fields.icon_storage_id)) {
      throw new MnemoError('NOT_FOUND', 'no uploaded icon with this storage id', { field: 'icon_storage_id' });
    }
    request.iconStorageId = fields.icon_storage_id.toLowerCase();
  }
  if (fields.organization_id !== undefined && fields.organization_id !== null) {
    if (typeof fields.organization_id !== 'string' || !UUID.test(fields.organization_id)) throw invalid('organization_id', 'organization_id must be a UUID');
    if (organizationName !== undefined) throw invalid('organization_name', 'organization_name names a new organization; leave it out with organization_id');
    request.organizationId = fields.organization_id.toLowerCase();
  }
  return request;
}

export function parseListWorkspacesRequest(data: unknown): { userId: string; organizationId?: string } {
  const fields = fieldsOf(data);
  if (fields.organization_id === undefined || fields.organization_id === null) return { userId: userId(fields) };
  if (typeof fields.organization_id !== 'string' || !UUID.test(fields.organization_id)) throw invalid('organization_id', 'organization_id must be a UUID');
  return { userId: userId(fields), organizationId: fields.organization_id.toLowerCase() };
}

export function parseWorkspaceCallerRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller } {
  const fields = fieldsOf(data);
  return { workspaceId: workspaceId(fields), caller: workspaceCaller(fields) };
}

export interface UpdateWorkspaceCommandRequest {
  workspaceId: number;
  caller: WorkspaceCaller;
  name?: string;
  domain?: string | null;
  /** An uploaded icon's storage id, or null to remove the icon. */
  iconStorageId?: string | null;
}

export function parseUpdateWorkspaceRequest(data: unknown): UpdateWorkspaceCommandRequest {
  const fields = fieldsOf(data);
  const request: UpdateWorkspaceCommandRequest = parseWorkspaceCallerRequest(fields);
  const name = optionalName(fields, 'name');
  if (name !== undefined) request.name = name;
  if (fields.domain === null) request.domain = null;
  else if (fields.domain !== undefined) request.domain = requiredName(fields, 'domain');
  if (fields.icon_storage_id === null) request.iconStorageId = null;
  else if (fields.icon_storage_id !== undefined) {
    // A storage id that cannot exist is as unknown as one that does not.
    if (typeof fields.icon_storage_id !== 'string' || !UUID.test(fields.icon_storage_id)) {
      throw new MnemoError('NOT_FOUND', 'no uploaded icon with this storage id', { field: 'icon_storage_id' });
    }
    request.iconStorageId = fields.icon_storage_id.toLowerCase();
  }
  return request;
}

export function parseWorkspaceNameRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller; name: string } {
  const fields = fieldsOf(data);
  return { ...parseWorkspaceCallerRequest(fields), name: requiredName(fields, 'name') };
}

export function parseSetProvidersRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller; providers: Provider[] } {
  const fields = fieldsOf(data);
  const providers = fields.providers;
  if (!Array.isArray(providers) || providers.some((provider) => typeof provider !== 'string')) throw invalid('providers', 'providers must be a list of provider names');
  // Which names are known, and that there is at least one, is the decider's rule.
  return { ...parseWorkspaceCallerRequest(fields), providers: providers as Provider[] };
}

export function parseRotateJoinCodeRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller; expiresAt: string | null } {
  const fields = fieldsOf(data);
  return { ...parseWorkspaceCallerRequest(fields), expiresAt: optionalTime(fields, 'expires_at') };
}

export function parseJoinByCodeRequest(data: unknown): { userId: string; code: string } {
  const fields = fieldsOf(data);
  if (typeof fields.code !== 'string' || fields.code.length > 100) throw invalid('code', 'code must be a join code');
  return { userId: userId(fields), code: fields.code };
}

export function parseAddMemberRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller; email: string; role: WorkspaceRole } {
  const fields = fieldsOf(data);
  return { ...parseWorkspaceCallerRequest(fields), email: email(fields), role: role(fields, WORKSPACE_ROLES, 'member') };
}

export function parseWorkspaceMemberRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller; memberUserId: string } {
  const fields = fieldsOf(data);
  return { ...parseWorkspaceCallerRequest(fields), memberUserId: pathUuid(fields, 'member_user_id', 'member') };
}

export function parseChangeMemberRoleRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller; memberUserId: string; role: WorkspaceRole } {
  const fields = fieldsOf(data);
  return { ...parseWorkspaceMemberRequest(fields), role: role(fields, WORKSPACE_ROLES) };
}

export function parseCreateInvitationRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller; email: string; role: WorkspaceRole } {
  const fields = fieldsOf(data);
  // Owner is refused by the invitation decider with its own message, so it is let through here.
  return { ...parseWorkspaceCallerRequest(fields), email: email(fields), role: role(fields, WORKSPACE_ROLES, 'member') };
}

export function parseInvitationRequest(data: unknown): { workspaceId: number; caller: WorkspaceCaller; invitationId: string } {
  const fields = fieldsOf(data);
  return { ...parseWorkspaceCallerRequest(fields), invitationId: pathUuid(fields, 'invitation_id', 'invitation') };
}

export function parseAcceptInvitationRequest(data: unknown): { userId: string; token: string } {
  const fields = fieldsOf(data);
  if (typeof fields.token !== 'string' || fields.token.length === 0 || fields.token.length > 200) throw invalid('token', 'token must be an invitation token');
  return { userId: userId(fields), token: fields.token };
}

export function parseJoinInvitationsForEmailRequest(data: unknown): { userId: string; email: string } {
  const fields = fieldsOf(data);
  return { userId: userId(fields), email: email(fields) };
}

export function parseEraseUserRequest(data: unknown): { userId: string; erasureId: string } {
  const fields = fieldsOf(data);
  const erasureId = fields.erasure_id;
  if (typeof erasureId !== 'string' || !/^[A-Za-z0-9_-]{8,200}$/.test(erasureId)) throw invalid('erasure_id', 'erasure_id must be an erasure id');
  return { userId: userId(fields), erasureId };
}
