import type { RouteAccess } from './scopes';
import type { OrganizationResource, WorkspaceCaller, WorkspaceResource } from './workspaces';

/**
 * Workspace icons (executor's generateWorkspaceIconUploadUrl), the navigation state (executor's
 * getNavigationState) and versioned answers for ETags: the workspaces service's part of the contract that the
 * gateway's icon, navigation and ETag code speaks.
 */

/** API.md: PNG, JPEG or WebP by magic bytes, at most 1 MiB and 1024×1024. */
export const ICON_LIMITS = {
  maxBytes: 1024 * 1024,
  maxWidth: 1024,
  maxHeight: 1024,
  /**
   * The gateway hands an upload to the service (and reads an icon back) in pieces of at most this many bytes:
   * base64 in JSON grows them by a third, and no NATS message may exceed 1 MiB.
   */
  chunkBytes: 256 * 1024,
  /** How long an upload URL accepts its one upload. */
  uploadUrlTtlMs: 60 * 60 * 1000,
  /**
   * Upload URLs one user may hold that no workspace has used yet (each may carry 1 MiB until the purge): enough
   * for any editing session, not enough to turn icons into file storage.
   */
  maxUnclaimedPerUser: 20,
} as const;

export const ICON_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type IconContentType = (typeof ICON_CONTENT_TYPES)[number];

/** The public address of a stored icon: a Workspace's `icon_url`. */
export function iconPath(storageId: string): string {
  return `/v1/icons/${storageId}`;
}

/** The signed upload address; the token is the signature, checked against its SHA-256 by the service. */
export function iconUploadPath(storageId: string, token: string): string {
  return `/v1/icon-uploads/${storageId}?token=${encodeURIComponent(token)}`;
}

/** RPC operations of the workspaces service for icons and navigation (`rpc.workspaces.<operation>`). */
export const ICONS_RPC = {
  /** A new single-use upload ticket for a user (account-level) or a workspace (its owners and admins). */
  createIconUpload: 'createIconUpload',
  /** One piece of an upload's bytes, staged under the upload attempt's id; the ticket's token is checked. */
  putIconUploadChunk: 'putIconUploadChunk',
  /** Assembles the staged pieces, checks the image and uses the ticket up, in one transaction. */
  completeIconUpload: 'completeIconUpload',
  /** A piece of a stored icon, for `GET /v1/icons/:storageId`. */
  readIcon: 'readIcon',
  getNavigationState: 'getNavigationState',
  setNavigationState: 'setNavigationState',
} as const;

/**
 * `workspace_id` absent: an account-level upload for a workspace about to be created (only the same user may
 * use its storage id); present: for that workspace (only it may use the storage id).
 */
export type CreateIconUploadRequest =
  | { user_id: string }
  | { workspace_id: number; caller: WorkspaceCaller };
export interface IconUploadTicket {
  storage_id: string;
  /** The URL's secret; nothing stores it, only its SHA-256. */
  token: string;
  expires_at: string;
}

/** The answer of `POST /v1/icon-upload-url` and `POST /v1/workspaces/:id/icon-upload-url`. */
export interface IconUploadUrlResource {
  upload_url: string;
  storage_id: string;
  expires_at: string;
}

export interface PutIconUploadChunkRequest {
  storage_id: string;
  token: string;
  /** One id per PUT, so two concurrent uploads to the same URL never mix their pieces. */
  upload_id: string;
  index: number;
  /** base64, at most ICON_LIMITS.chunkBytes decoded. */
  bytes: string;
}
export interface CompleteIconUploadRequest {
  storage_id: string;
  token: string;
  upload_id: string;
  chunks: number;
}
export interface CompleteIconUploadReply {
  storage_id: string;
  content_type: IconContentType;
  size: number;
  width: number;
  height: number;
}

export interface ReadIconRequest {
  storage_id: string;
  offset: number;
}
export interface ReadIconReply {
  content_type: IconContentType;
  size: number;
  offset: number;
  /** base64 of up to ICON_LIMITS.chunkBytes bytes from `offset`. */
  bytes: string;
}

/** executor getNavigationState: the user's current (default) organization and workspace, and what they reach. */
export interface NavigationStateResource {
  current_organization: OrganizationResource | null;
  current_workspace: WorkspaceResource | null;
  organizations: OrganizationResource[];
  workspaces: WorkspaceResource[];
}
export interface SetNavigationStateRequest {
  user_id: string;
  /** null clears the choice (the default applies again); absent leaves it. */
  organization_id?: string | null;
  workspace_id?: number | null;
}

/**
 * Requests that carry `with_version: true` are answered `{ resource, version }`: the version is the stream
 * version of the aggregate the resource shows, which the gateway sends as the ETag. `if_match_version` is the
 * client's If-Match; a stale one is CONFLICT with `details.reason = "stale_etag"`.
 */
export interface Versioned<T> {
  resource: T;
  version: number;
}

/** Access rules of the icon and navigation routes; spread into ROUTE_ACCESS. */
export const ICON_ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'POST /v1/workspaces/:id/icon-upload-url': { auth: 'workspace', scope: 'workspace:admin', workspace: 'path' },
  // A workspace about to be created has no workspace yet: the session's user owns the upload.
  'POST /v1/icon-upload-url': { auth: 'user', sessionOnly: true },
  // Authorized by its signed URL (single-use token), not by a bearer credential.
  'PUT /v1/icon-uploads/:storageId': { auth: 'public' },
  // icon_url: icons are shown to anyone holding the link (like an avatar).
  'GET /v1/icons/:storageId': { auth: 'public' },
  'GET /v1/navigation-state': { auth: 'user', sessionOnly: true },
  'PUT /v1/navigation-state': { auth: 'user', sessionOnly: true },
};
