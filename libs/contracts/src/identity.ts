import type { Scope } from './scopes';
import type { OrganizationResource, WorkspaceResource } from './workspaces';

/** The User resource of API.md. */
export interface UserResource {
  id: string;
  email: string;
  email_verified: boolean;
  name: string | null;
  created_at: string;
}

/** The ApiKey resource of API.md; `key` only in the answer that creates or rotates it. */
export interface ApiKeyResource {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  agent_id: string | null;
  enabled: boolean;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
  created_by: string;
  key?: string;
}

/** Who a credential is, as identity resolves it for the gateway. */
export type ResolvedCredential =
  | { kind: 'session'; session_id: string; user_id: string; expires_at: string }
  | {
      kind: 'key';
      key_id: string;
      workspace_id: number;
      scopes: Scope[];
      agent_id: string | null;
      created_by: string;
      expires_at: string | null;
    };

/** RPC operations of the identity service (`rpc.identity.<operation>`). */
export const IDENTITY_RPC = {
  signup: 'signup',
  login: 'login',
  logout: 'logout',
  verifyEmail: 'verifyEmail',
  resendVerification: 'resendVerification',
  requestPasswordReset: 'requestPasswordReset',
  confirmPasswordReset: 'confirmPasswordReset',
  /** Resolves a bearer credential; UNAUTHORIZED when unknown, expired, disabled or revoked. */
  authenticate: 'authenticate',
  getUser: 'getUser',
  /** A user by email (normalized), for membership and invitation checks; NOT_FOUND when none. */
  findUserByEmail: 'findUserByEmail',
  /** Starts account deletion: 409 listing blockers, else revokes every credential and answers the erasure id. */
  deleteAccount: 'deleteAccount',
  /** Progress of an erasure, by its unguessable id. */
  getErasure: 'getErasure',
  createApiKey: 'createApiKey',
  listApiKeys: 'listApiKeys',
  updateApiKey: 'updateApiKey',
  revokeApiKey: 'revokeApiKey',
  rotateApiKey: 'rotateApiKey',
  /** Batched `last_used_at` updates reported by the gateways. */
  recordKeyUse: 'recordKeyUse',
  /** Mails an invitation's acceptance link (the workspaces service calls it once the invitation committed). */
  sendInvitationEmail: 'sendInvitationEmail',
} as const;

/** The invitation's token exists only in the creating transaction's answer; this is its one trip, to the mail. */
export interface SendInvitationEmailRequest {
  email: string;
  token: string;
  workspace_name: string;
  inviter_name: string | null;
  expires_at: string;
}

export interface SignupRequest {
  email: string;
  password: string;
  name?: string;
}
export interface SessionReply {
  token: string;
  expires_at: string;
  user: UserResource;
}
export interface SignupReply extends SessionReply {
  workspace: WorkspaceResource;
  organization: OrganizationResource;
  is_first_workspace: true;
}

/**
 * The caller of a key operation, as the gateway authenticated it. Identity re-checks a session user's role
 * with the workspaces service itself before granting anything.
 */
export type KeyOperationCaller =
  | { kind: 'session'; user_id: string }
  | { kind: 'key'; key_id: string; scopes: Scope[]; agent_id: string | null; created_by: string };

export interface CreateApiKeyRequest {
  workspace_id: number;
  caller: KeyOperationCaller;
  name: string;
  scopes: Scope[];
  agent_id?: string | null;
  expires_at?: string | null;
}

export interface KeyRequest {
  workspace_id: number;
  caller: KeyOperationCaller;
  key_id: string;
}

export interface UpdateApiKeyRequest extends KeyRequest {
  name?: string;
  enabled?: boolean;
}
