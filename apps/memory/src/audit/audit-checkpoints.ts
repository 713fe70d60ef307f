import { sign, verify } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { STREAM_DUPLICATE_WINDOW_MS, type AuditCheckpoint, type NatsNames } from '@mnemo/contracts';
import type { Logger } from '@mnemo/observability';
import { checkpointPayload } from './audit.chain';
import type { AuditLog } from './audit-log';
import type { AuditSettings } from './audit.settings';

// One checkpointer at a time across the replicas; a second one would only publish duplicates (dropped by
// Nats-Msg-Id), so this is to save work, not for correctness.
const CHECKPOINTER_LOCK_KEY = 7_263_406;

interface DueChain {
  owner_workspace_id: number;
  seq: string;
  hash: string;
}

/** What verification learns from the stream about one chain: its genuine checkpoints, and whether any was not. */
export interface CheckpointLookup {
  checkpoints: AuditCheckpoint[];
  /** A message on the chain's subject this service did not sign. */
  forged: boolean;
}

/**
 * Signed checkpoints `(chain, seq, hash)` on a JetStream stream that refuses deletes and purges: every
 * `checkpointEveryRecords` records or `checkpointIntervalMs` after the last one, per chain. The signing key comes
 * from configuration and never reaches the database, so whoever can write the tables still cannot forge one.
 * The same loop writes the summaries of closed refusal windows.
 */
export class AuditCheckpoints {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly nc: NatsConnection,
    private readonly names: NatsNames,
    private readonly settings: AuditSettings,
    private readonly log: AuditLog,
    private readonly logger: Logger,
  ) {}

  /** Creates the stream, or brings it to these settings; checkpoints are kept forever. */
  async ensureStream(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const { name, subjects } = this.names.auditCheckpointStream();
    const wanted = {
      name,
      subjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      deny_delete: true,
      deny_purge: true,
      duplicate_window: nanos(STREAM_DUPLICATE_WINDOW_MS),
      max_msg_size: 64 * 1024,
    };
    try {
      const info = await jsm.streams.info(name);
      if (!info.config.deny_delete || !info.config.deny_purge) await jsm.streams.update(name, { ...info.config, ...wanted });
    } catch {
      await jsm.streams.add(wanted).catch(async (error) => {
        // Another replica created it first: fine when it exists now.
        await jsm.streams.info(name).catch(() => {
          throw error;
        });
      });
    }
  }

  start(): void {
    const tickMs = Math.max(100, Math.min(1000, Math.floor(Math.min(this.settings.checkpointIntervalMs, this.settings.refusalWindowMs) / 4)));
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick()
        .catch((error) => this.logger.warn({ err: error }, 'audit checkpoint tick failed; retrying'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, tickMs);
        });
    };
    this.timer = setTimeout(loop, tickMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async tick(): Promise<void> {
    await this.log.flushClosedWindows();
    await this.orm.em.fork().transactional(async (em) => {
      const [{ leader }] = await em.execute<{ leader: boolean }[]>('SELECT pg_try_advisory_xact_lock(?) AS leader', [CHECKPOINTER_LOCK_KEY]);
      if (!leader) return;
      const due = await em.execute<DueChain[]>(
        `SELECT h.owner_workspace_id, h.seq, h.hash FROM chain_heads h
         LEFT JOIN audit_checkpoint_marks m ON m.owner_workspace_id = h.owner_workspace_id
         WHERE h.seq > coalesce(m.seq, 0)
           AND (m.seq IS NULL OR h.seq - m.seq >= ? OR m.checkpointed_at <= ?::timestamptz)
         ORDER BY h.owner_workspace_id LIMIT 500`,
        [this.settings.checkpointEveryRecords, new Date(Date.now() - this.settings.checkpointIntervalMs).toISOString()],
      );
      for (const chain of due) {
        await this.publish({ chain: chain.owner_workspace_id, seq: Number(chain.seq), hash: chain.hash });
        await em.execute(
          `INSERT INTO audit_checkpoint_marks (owner_workspace_id, seq, checkpointed_at) VALUES (?, ?, now())
           ON CONFLICT (owner_workspace_id) DO UPDATE SET seq = excluded.seq, checkpointed_at = excluded.checkpointed_at`,
          [chain.owner_workspace_id, chain.seq],
        );
      }
    });
  }

  private async publish(head: { chain: number; seq: number; hash: string }): Promise<void> {
    const unsigned = { ...head, signed_at: new Date().toISOString() };
    const signature = sign(null, Buffer.from(checkpointPayload(unsigned)), this.settings.signingKey).toString('base64');
    const checkpoint: AuditCheckpoint = { ...unsigned, signature };
    await jetstream(this.nc).publish(this.names.auditCheckpointSubject(head.chain), JSON.stringify(checkpoint), { msgID: `${head.chain}:${head.seq}` });
  }

  /**
   * Every checkpoint of the chain on the stream, oldest first, with each signature checked. Read through an
   * ordered consumer filtered to the chain's subject, up to the last message there when the read began.
   */
  async all(chain: number): Promise<CheckpointLookup> {
    const stream = this.names.auditCheckpointStream().name;
    const subject = this.names.auditCheckpointSubject(chain);
    const jsm = await jetstreamManager(this.nc);
    let last;
    try {
      last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    } catch (error) {
      if (/no message found|not found/i.test(String((error as Error)?.message))) return { checkpoints: [], forged: false };
      throw error;
    }
    if (!last) return { checkpoints: [], forged: false };
    const consumer = await jetstream(this.nc).consumers.get(stream, { filter_subjects: subject });
    const messages = await consumer.consume();
    const checkpoints: AuditCheckpoint[] = [];
    let forged = false;
    try {
      for await (const message of messages) {
        const checkpoint = message.json<AuditCheckpoint>();
        if (this.genuine(checkpoint, chain)) checkpoints.push(checkpoint);
        else forged = true;
        if (message.seq >= last.seq) break;
      }
    } finally {
      await messages.close();
      await consumer.delete().catch(() => undefined);
    }
    return { checkpoints, forged };
  }

  private genuine(checkpoint: AuditCheckpoint, chain: number): boolean {
    try {
      return (
        checkpoint.chain === chain &&
        Number.isInteger(checkpoint.seq) &&
        typeof checkpoint.hash === 'string' &&
        typeof checkpoint.signature === 'string' &&
        verify(null, Buffer.from(checkpointPayload(checkpoint)), this.settings.verifyKey, Buffer.from(checkpoint.signature, 'base64'))
      );
    } catch {
      return false;
    }
  }
}
