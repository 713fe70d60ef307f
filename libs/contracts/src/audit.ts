import type { MemoryCaller } from './memory';

/**
 * The audit log's contract (DESIGN.md "Audit log"): the AuditEvent resource of API.md, the RPC operations of
 * the memory service that serve it, and the checkpoint messages on the audit checkpoint stream
 * (`NatsNames.auditCheckpointStream()`).
 *
 * Records hold opaque ids only — workspaces, user, key, a hashed agent id, the resource, the request id — never
 * IPs, query text or content, so erasing a person deletes the id → person mapping in identity and every chain
 * stays verifiable.
 */

export const AUDIT_OUTCOMES = ['allowed', 'refused'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** What was done. Space reads by other workspaces, refused attempts, and other services' security events. */
export const AUDIT_ACTIONS = [
  'space.created',
  'space.updated',
  'space.deleted',
  'space.read',
  'space.memories_listed',
  'api_key.created',
  'api_key.rotated',
  'api_key.revoked',
  'membership.granted',
  'membership.role_changed',
  'membership.revoked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_RESOURCE_TYPES = ['context_space', 'api_key', 'membership'] as const;
export type AuditResourceType = (typeof AUDIT_RESOURCE_TYPES)[number];

/** The AuditEvent resource of API.md. `count` > 1 only on the summary of coalesced refused attempts. */
export interface AuditEventResource {
  id: string;
  seq: number;
  occurred_at: string;
  owner_workspace_id: number;
  actor_workspace_id: number | null;
  actor_key_id: string | null;
  actor_user_id: string | null;
  /** sha256 of `<workspace_id>:<agent_id>` of the bound agent, hex; never the agent id itself. */
  agent_ref: string | null;
  action: AuditAction;
  resource_type: AuditResourceType;
  resource_id: string;
  outcome: AuditOutcome;
  cross_tenant: boolean;
  count: number;
  request_id: string | null;
  hash: string;
  prev_hash: string;
}

export const AUDIT_LIMITS = {
  listLimit: { min: 1, max: 100, default: 50 },
} as const;

export interface ListAuditEventsRequest {
  caller: MemoryCaller;
  resource_id?: string;
  actor_workspace_id?: string;
  action?: string;
  outcome?: string;
  /** `true` / `false` as the query string carries it. */
  cross_tenant?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}
export interface ListAuditEventsReply {
  audit_events: AuditEventResource[];
  next_cursor: string | null;
}

export interface VerifyAuditChainRequest {
  caller: MemoryCaller;
}
/** `first_broken_seq` only when `valid` is false; `last_checkpoint_seq` 0 when no checkpoint was published yet. */
export interface VerifyAuditChainReply {
  valid: boolean;
  checked: number;
  first_broken_seq?: number;
  last_checkpoint_seq: number;
}

/** RPC operations of the memory service for the audit log (`rpc.memory.<operation>`). */
export const AUDIT_RPC = {
  listAuditEvents: 'listAuditEvents',
  verifyAuditChain: 'verifyAuditChain',
} as const;

/**
 * A signed checkpoint of one chain, published to the audit checkpoint stream on
 * `NatsNames.auditCheckpointSubject(chain)` with `Nats-Msg-Id = <chain>:<seq>`. `signature` is Ed25519 (base64)
 * over the RFC 8785 canonical JSON of `{ chain, seq, hash, signed_at }`; the key comes from `AUDIT_SIGNING_KEY`
 * and is never stored in the database.
 */
export interface AuditCheckpoint {
  /** The owner workspace of the chain. */
  chain: number;
  seq: number;
  hash: string;
  signed_at: string;
  signature: string;
}
