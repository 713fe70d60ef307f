import { MAX_NATS_PAYLOAD_BYTES, MnemoError } from '@mnemo/contracts';

const encoder = new TextEncoder();

/**
 * Encodes a message and refuses it when it would exceed NATS's 1 MiB `max_payload`: large results are
 * paged by the caller, large uploads go in chunks.
 */
export function encodeBounded(value: unknown, what: string): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(value));
  if (bytes.byteLength > MAX_NATS_PAYLOAD_BYTES) {
    throw new MnemoError('PAYLOAD_TOO_LARGE', `${what} is ${bytes.byteLength} bytes; NATS messages are limited to ${MAX_NATS_PAYLOAD_BYTES} bytes, so page it`, {
      bytes: bytes.byteLength,
      limit: MAX_NATS_PAYLOAD_BYTES,
    });
  }
  return bytes;
}
