import { createHash } from 'node:crypto';
import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { IDENTITY_RPC, MnemoError, type EventEnvelope, type NatsNames, type ResolvedCredential } from '@mnemo/contracts';
import type { RpcClient } from '@mnemo/messaging';
import type { Logger } from '@mnemo/observability';

/** Resolved credentials live at most this long on a replica; events usually evict them much sooner. */
export const CREDENTIAL_CACHE_TTL_MS = 5000;

interface Entry {
  credential: ResolvedCredential;
  expiresAt: number;
}

/**
 * Each gateway replica's credential cache. Entries expire after 5 s at most, and go at once when identity
 * publishes a key, session or user event naming them: every replica reads the identity stream through its
 * own ephemeral ordered consumer (no queue group). After a reconnect, events may have been missed, so the
 * whole cache is flushed.
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private messages?: ConsumerMessages;

  constructor(
    private readonly rpc: RpcClient,
    private readonly nc: NatsConnection,
    private readonly names: NatsNames,
    private readonly logger: Logger,
    private readonly ttlMs = CREDENTIAL_CACHE_TTL_MS,
  ) {}

  async start(): Promise<void> {
    const consumer = await jetstream(this.nc).consumers.get(this.names.eventStream('identity').name, { deliver_policy: DeliverPolicy.New });
    this.messages = await consumer.consume();
    void (async () => {
      for await (const message of this.messages!) {
        try {
          this.evict(message.json<EventEnvelope>());
        } catch (error) {
          this.logger.warn({ err: error }, 'unreadable identity event');
        }
      }
    })();
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'reconnect') this.entries.clear();
      }
    })();
  }

  async stop(): Promise<void> {
    await this.messages?.close();
  }

  /** UNAUTHORIZED for anything identity does not vouch for. */
  async resolve(token: string): Promise<ResolvedCredential> {
    const id = createHash('sha256').update(token).digest('hex');
    const cached = this.entries.get(id);
    if (cached && cached.expiresAt > Date.now()) return cached.credential;
    const reply = await this.rpc.call<ResolvedCredential>('identity', IDENTITY_RPC.authenticate, { token });
    if (!reply.ok) {
      this.entries.delete(id);
      if (reply.error.code === 'UNAUTHORIZED') throw new MnemoError('UNAUTHORIZED', 'invalid or expired credential');
      throw new MnemoError(reply.error.code, reply.error.message);
    }
    const credentialExpiry = reply.data.expires_at ? Date.parse(reply.data.expires_at) : Infinity;
    this.entries.set(id, { credential: reply.data, expiresAt: Math.min(Date.now() + this.ttlMs, credentialExpiry) });
    return reply.data;
  }

  /** Drops every entry an identity event is about. */
  private evict(event: EventEnvelope): void {
    const [aggregate] = event.type.split('.');
    const subjectId = event.streamId.slice(event.streamId.indexOf('-') + 1);
    for (const [id, entry] of this.entries) {
      const credential = entry.credential;
      const hit =
        (aggregate === 'key' && credential.kind === 'key' && credential.key_id === subjectId) ||
        (aggregate === 'session' && credential.kind === 'session' && credential.session_id === subjectId) ||
        (aggregate === 'user' && ((credential.kind === 'session' && credential.user_id === subjectId) || (credential.kind === 'key' && credential.created_by === subjectId && event.type === 'user.deleted')));
      if (hit) this.entries.delete(id);
    }
  }
}
