import type { UsageUnit } from './plans';
/**
 * The memory service's contract: the Memory resource as the API shows it, its limits, RPC operations with
 * their request and reply shapes, and the domain events published on `<prefix>.memory.memory.<event>`.
 */
import type { Scope } from './scopes';

/** The Memory resource of API.md. `uuid` is `urn:uuid:<uuidv7>`; routes accept the bare UUID too. */
export interface MemoryResource {
  uuid: string;
  observation: string | null;
  title: string | null;
  body_md: string | null;
  path: string | null;
  tags: string[];
  importance: number;
  confidence: number;
  recall_count: number;
  agent_id: string | null;
  space_id: string | null;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Limits of API.md. Text sizes in UTF-8 bytes (KiB); names and tags in characters (code points). */
export const MEMORY_LIMITS = {
  observationBytes: 16 * 1024,
  bodyMdBytes: 16 * 1024,
  titleChars: 200,
  pathChars: 512,
  maxTags: 20,
  tagChars: 50,
  agentIdChars: 64,
  importance: { min: 1, max: 10, default: 5 },
  confidence: { min: 0, max: 1, default: 1 },
  batchItems: 1000,
  listLimit: { min: 1, max: 100, default: 20 },
  searchLimit: { min: 1, max: 100, default: 20 },
  contextLimit: { min: 1, max: 50, default: 10 },
  /** The joined context text is cut here, so its answer fits one NATS message. */
  contextMaxChars: 100_000,
  queryChars: 1000,
} as const;

export const AGENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
/** One segment of a memory path, after lowercasing. */
export const PATH_SEGMENT_PATTERN = /^[a-z0-9._-]+$/;
/** Where the implicit team namespaces live: `/workspace/teams/<slug>/…`. */
export const TEAM_PATH_PREFIX = '/workspace/teams/';

export const MEMORY_URN_PREFIX = 'urn:uuid:';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The bare lowercase UUID of `urn:uuid:<uuid>` or `<uuid>`, or undefined when it is neither (answered 404). */
export function parseMemoryUuid(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const bare = (raw.toLowerCase().startsWith(MEMORY_URN_PREFIX) ? raw.slice(MEMORY_URN_PREFIX.length) : raw).toLowerCase();
  return UUID_PATTERN.test(bare) ? bare : undefined;
}

export function memoryUrn(uuid: string): string {
  return `${MEMORY_URN_PREFIX}${uuid}`;
}

/**
 * Who calls a memory operation, as the gateway authenticated it. `agent_id` is the key's *bound* agent (null
 * for unbound keys and sessions): the only agent identity that is a credential. A body or query `agent_id`
 * is a filter.
 */
export interface MemoryCaller {
  workspace_id: number;
  /** `user:<id>` or `key:<id>`: the actor recorded on events and idempotency records. */
  principal: string;
  agent_id: string | null;
  scopes: Scope[];
}

/** A write as the API takes it (POST /v1/memories and each item of a batch). */
export interface MemoryInput {
  observation?: string;
  title?: string;
  body_md?: string;
  path?: string;
  tags?: string[];
  importance?: number;
  confidence?: number;
  agent_id?: string;
  space_id?: string;
  expires_at?: string | null;
}

/** PATCH /v1/memories/:uuid: the fields to change; `null` clears an optional one. */
export interface MemoryPatch {
  observation?: string;
  title?: string | null;
  body_md?: string;
  path?: string | null;
  tags?: string[];
  importance?: number;
  confidence?: number;
  expires_at?: string | null;
}

/** What a single write did: 201 `created`; 200 `updated` (a path upsert) or `deduplicated` (same observation). */
export type MemoryWriteOutcome = 'created' | 'updated' | 'deduplicated';

export interface WriteMemoryRequest {
  caller: MemoryCaller;
  memory: MemoryInput;
}
export interface WriteMemoryReply {
  outcome: MemoryWriteOutcome;
  memory: MemoryResource;
  /** The stream version, shown as the ETag. */
  version: number;
}

export interface WriteMemoriesRequest {
  caller: MemoryCaller;
  memories: unknown[];
  /**
   * Set when the batch did not fit one NATS message: its first memories were staged as JSON lines with
   * `stageImport` in `parts` parts under this id, and `memories` holds the rest. The batch is still one
   * transaction, all or nothing.
   */
  upload_id?: string;
  parts?: number;
}
/** Results in the order of the request; the memories themselves are read back by uuid (answers stay small). */
export interface WriteMemoriesReply {
  results: { index: number; uuid: string; outcome: MemoryWriteOutcome }[];
  created: number;
  updated: number;
  deduplicated: number;
}

export interface MemoryRequest {
  caller: MemoryCaller;
  uuid: string;
}
export interface GetMemoryReply {
  memory: MemoryResource;
  version: number;
}
export interface UpdateMemoryRequest extends MemoryRequest {
  patch: MemoryPatch;
  /** From `If-Match`: the version the client last saw. */
  if_match_version?: number;
}

export interface ListMemoriesRequest {
  caller: MemoryCaller;
  limit?: number;
  cursor?: string;
  agent_id?: string;
  path_prefix?: string;
  space_id?: string;
  /** Any of these tags. */
  tags?: string[];
}
export interface MemoryPage {
  memories: MemoryResource[];
  next_cursor: string | null;
}

export interface SearchMemoriesRequest {
  caller: MemoryCaller;
  q: string;
  tags?: { any?: string[]; all?: string[] };
  agent_id?: string;
  space_id?: string;
  path_prefix?: string;
  created_after?: string;
  created_before?: string;
  limit?: number;
  cursor?: string;
  /** Set by the gateway on the follow-up pages of one request (a page stops early under 1 MiB): not charged again. */
  continued?: boolean;
}
/** Which fields of a memory matched the query. */
export const SEARCHABLE_FIELDS = ['title', 'observation', 'body_md', 'path', 'tags'] as const;
export type SearchableField = (typeof SEARCHABLE_FIELDS)[number];
export interface SearchResult {
  memory: MemoryResource;
  /** In (0, 1): terms matched dominate, then relevance. */
  score: number;
  matched: SearchableField[];
}
export interface SearchMemoriesReply {
  results: SearchResult[];
  next_cursor: string | null;
}

export interface BuildContextRequest {
  caller: MemoryCaller;
  q: string;
  path_prefix?: string;
  space_id?: string;
  limit?: number;
  max_chars?: number;
}
export interface BuildContextReply {
  context: string;
  memories: { uuid: string; path: string | null; title: string | null; score: number }[];
}

export interface ListTeamsReply {
  teams: { slug: string; memory_count: number }[];
}

/**
 * The ContextSpace resource, exactly novyx's fields. `owner_tenant_id` and `allowed_tenant_ids` hold workspace
 * ids as decimal strings; non-owners see `allowed_tenant_ids: [their own id]` and `allowed_agent_ids: []`.
 */
export interface ContextSpaceResource {
  space_id: string;
  name: string;
  description: string | null;
  owner_tenant_id: string;
  allowed_agent_ids: string[];
  allowed_tenant_ids: string[];
  tags: string[];
  created_at: string;
  memory_count: number;
}

export const SPACE_LIMITS = {
  nameChars: { min: 1, max: 100 },
  descriptionChars: 500,
  allowedAgentIds: 10,
  allowedTenantIds: 50,
  maxTags: 20,
  tagChars: 50,
  memoriesLimit: { min: 1, max: 1000, default: 100 },
} as const;

export interface SpaceInput {
  name?: string;
  description?: string | null;
  allowed_agent_ids?: string[];
  allowed_tenant_ids?: string[];
  tags?: string[];
}

export interface CreateSpaceRequest {
  caller: MemoryCaller;
  space: SpaceInput;
}
export interface SpaceRequest {
  caller: MemoryCaller;
  space_id: string;
}
export interface UpdateSpaceRequest extends SpaceRequest {
  changes: SpaceInput;
}
export interface ListSpacesReply {
  spaces: ContextSpaceResource[];
  total_count: number;
}
export interface ListSpaceMemoriesRequest extends SpaceRequest {
  q?: string;
  /** Any of these tags (the route takes a comma list). */
  tags?: string[];
  agent_id?: string;
  limit?: number;
  offset?: number;
  /** A follow-up page the gateway asks for within one HTTP request: the access was audited on the first. */
  continued?: boolean;
}
export interface ListSpaceMemoriesReply {
  memories: MemoryResource[];
  total_count: number;
  filters: { space_id: string; q: string | null; tags: string | null; agent_id: string | null };
}

/**
 * GET /v1/export and POST /v1/import: NDJSON, one object per line — the workspace's context spaces first (so a
 * page imports its spaces before the memories in them), then its memories, each as the API shows it. uuids,
 * space ids and `created_at` survive an import. The gateway fetches an export page by page and streams it.
 */
export type ExportLine = { type: 'space'; space: ContextSpaceResource } | { type: 'memory'; memory: MemoryResource };

export interface ExportPageRequest {
  caller: MemoryCaller;
  cursor?: string;
}
export interface ExportPageReply {
  lines: ExportLine[];
  next_cursor: string | null;
}

/** Limits of an import page: the request body (1 MiB) is one page, all or nothing. */
export const IMPORT_LIMITS = {
  /** An import page travels to the memory service in parts of at most this many bytes (JSON-encoded lines). */
  partBytes: 512 * 1024,
  /** Parts of one page: 1 MiB of NDJSON, however escaped, fits in these. */
  maxParts: 8,
  /** A line longer than this cannot be a valid space or memory (content is ≤ 16 KiB); refused before parsing. */
  lineBytes: 128 * 1024,
  /** Problems listed in a refusal; the message names the first bad line. */
  reportedProblems: 100,
} as const;

/** A part of an import page too large for one NATS message; `lines` are the page's raw lines, in order. */
export interface StageImportRequest {
  caller: MemoryCaller;
  upload_id: string;
  part: number;
  lines: string[];
}
export interface ImportPageRequest {
  caller: MemoryCaller;
  /** Set when earlier parts were staged: `parts` of them come before `lines`. */
  upload_id?: string;
  parts?: number;
  lines: string[];
  keep_grants?: boolean;
}
export interface ImportPageReply {
  /** What the page added; a line whose id this workspace holds already is `skipped` (imports are idempotent). */
  imported: { spaces: number; memories: number };
  skipped: { spaces: number; memories: number };
  /** Whether grants (allowed_tenant_ids and the grantees' agents) were dropped from imported spaces. */
  grants_dropped: boolean;
}

/** RPC operations of the memory service (`rpc.memory.<operation>`). */
export const MEMORY_RPC = {
  createSpace: 'createSpace',
  listSpaces: 'listSpaces',
  getSpace: 'getSpace',
  updateSpace: 'updateSpace',
  deleteSpace: 'deleteSpace',
  listSpaceMemories: 'listSpaceMemories',
  writeMemory: 'writeMemory',
  writeMemories: 'writeMemories',
  listMemories: 'listMemories',
  getMemory: 'getMemory',
  updateMemory: 'updateMemory',
  deleteMemory: 'deleteMemory',
  searchMemories: 'searchMemories',
  buildContext: 'buildContext',
  listTeams: 'listTeams',
  /** GET /v1/export: one page of NDJSON lines (spaces first, then memories), under NATS's 1 MiB. */
  exportPage: 'exportPage',
  /** POST /v1/import: a page too large for one message is staged in parts, then imported in one transaction. */
  stageImport: 'stageImport',
  importPage: 'importPage',
} as const;

// ---------------------------------------------------------------------------------------------------------
// Domain events, published on `<prefix>.memory.memory.<event>`; stream id `memory-<workspace_id>-<uuid>` (a uuid
// is unique per workspace), owner id `workspaceId` (the decimal string of workspace_id).
//
// Memory events carry content (observation, title, body_md, path, tags). JetStream consumers see it for the
// streams' 7-day max_age. Erasure redacts content in the stored events in place and announces it with
// `memory.purged` (DESIGN.md "Erasure"); consumers must not keep content beyond their own purpose.
// ---------------------------------------------------------------------------------------------------------

export const MEMORY_EVENT_TYPES = {
  memoryCreated: 'memory.created',
  memoryUpdated: 'memory.updated',
  memoryDeleted: 'memory.deleted',
  memoryExpired: 'memory.expired',
  memoryPurged: 'memory.purged',
} as const;
export type MemoryEventType = (typeof MEMORY_EVENT_TYPES)[keyof typeof MEMORY_EVENT_TYPES];

/** The stored fields of a memory version; counters (recall_count) are not events. */
export interface MemoryContent {
  observation: string | null;
  title: string | null;
  body_md: string | null;
  path: string | null;
  tags: string[];
  importance: number;
  confidence: number;
  agent_id: string | null;
  space_id: string | null;
  expires_at: string | null;
}

export interface MemoryCreated extends MemoryContent {
  workspace_id: number;
  uuid: string;
  /** Set by an import: the memory's original times, which the read model keeps. */
  created_at?: string;
  updated_at?: string;
}
/**
 * A new version: the fields that changed, with their new values. `via`: a PATCH, or a write to the same
 * path (which replaces the document).
 */
export interface MemoryUpdated {
  workspace_id: number;
  uuid: string;
  via: 'patch' | 'path_write';
  changes: Partial<MemoryContent>;
}
export interface MemoryDeleted {
  workspace_id: number;
  uuid: string;
}
/** Its `expires_at` passed; the sweeper purged it (it was already gone from every read). */
export interface MemoryExpired {
  workspace_id: number;
  uuid: string;
  expires_at: string;
}

/**
 * Erasure (DESIGN.md): the content is gone from the read models and the search index, and the content fields of
 * the stored events (`memory.created`, `memory.updated`, and `space.created` / `space.updated` for a workspace)
 * were redacted in place. Consumers holding content for the memory (`scope: 'memory'`, stream
 * `memory-<workspace_id>-<uuid>`, after its `memory.deleted`) or for the whole workspace (`scope: 'workspace'`,
 * stream `workspace-<id>`, `uuid` null) must drop it. `erasure_id`: the erasure of a workspace or account this purge belongs to, if any.
 */
export interface MemoryPurged {
  workspace_id: number;
  uuid: string | null;
  scope: 'memory' | 'workspace';
  erasure_id: string | null;
}

export type MemoryEvent =
  | { type: 'memory.created'; data: MemoryCreated }
  | { type: 'memory.updated'; data: MemoryUpdated }
  | { type: 'memory.deleted'; data: MemoryDeleted }
  | { type: 'memory.expired'; data: MemoryExpired }
  | { type: 'memory.purged'; data: MemoryPurged };

// Context spaces: `<prefix>.memory.space.<event>`, stream id `space-<owner_workspace_id>-<uuid>` (an id is unique per
// owner), owner id `workspaceId` (the owner).

export const SPACE_EVENT_TYPES = {
  spaceCreated: 'space.created',
  spaceUpdated: 'space.updated',
  spaceDeleted: 'space.deleted',
} as const;

export interface SpaceSettings {
  name: string;
  description: string | null;
  allowed_agent_ids: string[];
  /** Workspace ids of the grantees. */
  allowed_tenant_ids: number[];
  tags: string[];
}
export interface SpaceCreated extends SpaceSettings {
  space_id: string;
  owner_workspace_id: number;
}
/** The settings that changed, with their new values. */
export interface SpaceUpdated {
  space_id: string;
  changes: Partial<SpaceSettings>;
}
/** A soft delete: the space answers 404 and leaves lists; its memories are kept. */
export interface SpaceDeleted {
  space_id: string;
}

export type SpaceEvent =
  | { type: 'space.created'; data: SpaceCreated }
  | { type: 'space.updated'; data: SpaceUpdated }
  | { type: 'space.deleted'; data: SpaceDeleted };

// Metering facts: `<prefix>.memory.usage.recorded`, owner id `workspaceId` (the workspace that pays). They are
// not events of an aggregate the memory service rebuilds: the write transaction that consumed the units (the
// usage gate) puts the fact straight into the outbox, so the workspaces service's ledger receives each once
// (its consumer's inbox deduplicates a redelivery by event id). The scheduler records `runs` the same way.

export const USAGE_EVENT_TYPES = {
  usageRecorded: 'usage.recorded',
} as const;

export interface UsageRecorded {
  workspace_id: number;
  /** The period the units were counted in (the `period_start` of `workspace.period_started`). */
  period_start: string;
  unit: UsageUnit;
  quantity: number;
}
