import type { ErrorBody } from './errors';

/** Every RPC reply is this explicit envelope; exception classes never cross the wire. */
export type RpcReply<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** Who is calling. Opaque ids only. */
export interface Principal {
  type: 'user' | 'key' | 'system' | 'anonymous';
  id: string;
}

/** What travels in NATS headers beside every RPC request. */
export interface RpcMetadata {
  principal?: Principal;
  workspaceId?: string;
  idempotencyKey?: string;
  requestId?: string;
  traceparent?: string;
}

/** Header names used for RPC metadata. Lowercase: NATS headers are case-sensitive. */
export const RPC_HEADERS = {
  principal: 'mnemo-principal',
  workspaceId: 'mnemo-workspace',
  idempotencyKey: 'idempotency-key',
  requestId: 'mnemo-request-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/** The default `max_payload` of the NATS server: no message of ours may exceed it. */
export const MAX_NATS_PAYLOAD_BYTES = 1024 * 1024;
