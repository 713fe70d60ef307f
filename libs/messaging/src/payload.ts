import { MAX_NATS_PAYLOAD_BYTES, MnemoError } from '@mnemo/contracts';

const encoder = new TextEncoder();

/**
 * Room kept for the message's headers (request id, principal, traceparent, idempotency key — well under this):
 * the server's `max_payload` counts headers and body together, and a message over it is dropped, not refused,
 * so the caller would only see a timeout.
 */
export const NATS_HEADER_ALLOWANCE_BYTES = 8 * 1024;

/** The most a message body of ours may hold. */
export const MAX_NATS_BODY_BYTES = MAX_NATS_PAYLOAD_BYTES - NATS_HEADER_ALLOWANCE_BYTES;

/**
 * Encodes a message and refuses it when it would exceed NATS's 1 MiB `max_payload` with its headers: large
 * results are paged by the caller, large uploads go in chunks.
 */
export function encodeBounded(value: unknown, what: string): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(value));
  if (bytes.byteLength > MAX_NATS_BODY_BYTES) {
    throw new MnemoError('PAYLOAD_TOO_LARGE', `${what} is ${bytes.byteLength} bytes; NATS messages are limited to ${MAX_NATS_PAYLOAD_BYTES} bytes with their headers, so page it`, {
      bytes: bytes.byteLength,
      limit: MAX_NATS_BODY_BYTES,
    });
  }
  return bytes;
}
