import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { Client, type Notification } from 'pg';
import type { ServiceName } from '@mnemo/contracts';
import type { Logger } from '@mnemo/observability';

export interface OutboxRelayOptions {
  /** Connection string of the service's app role; the relay holds one dedicated session. */
  connectionString: string;
  service: ServiceName;
  /** The LISTEN/NOTIFY channel appends signal on. */
  notifyChannel: string;
  nc: NatsConnection;
  logger: Logger;
  /** Idle wait between polls, and how often a standby tries to become the leader. */
  pollMs: number;
  batchSize?: number;
}

interface OutboxRow {
  position: string;
  message_id: string;
  subject: string;
  payload: unknown;
  headers: Record<string, string>;
}

const encoder = new TextEncoder();

/**
 * Publishes the outbox to JetStream. One active relay per service: the leader holds a session advisory lock,
 * and standbys take over when its session dies. Rows go out in position order, each PubAck awaited, with
 * `Nats-Msg-Id` = message id, so a re-publish after a crash falls inside the stream's duplicate window and is
 * dropped by the server. Rows are deleted only after their PubAck.
 */
export class OutboxRelay {
  private client?: Client;
  private js?: JetStreamClient;
  private stopped = false;
  private leader = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  /** Messages published, and how many of them the server recognised as re-publishes and dropped. */
  published = 0;
  duplicates = 0;

  constructor(private readonly options: OutboxRelayOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.js = jetstream(this.options.nc);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private lockKey(): string {
    return `mnemo.relay.${this.options.service}`;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connect();
        if (!this.leader) {
          const [{ acquired }] = (await this.client!.query('SELECT pg_try_advisory_lock(hashtext($1)) AS acquired', [this.lockKey()])).rows;
          if (acquired) {
            this.leader = true;
            this.options.logger.info({ service: this.options.service }, 'outbox relay is the leader');
            await this.client!.query(`LISTEN ${this.options.notifyChannel}`);
          }
        }
        if (this.leader) {
          while (!this.stopped && (await this.publishBatch()) > 0) {
            // drain everything that is waiting before sleeping again
          }
          await this.sleep(this.options.pollMs);
        } else {
          await this.sleep(this.options.pollMs * 4);
        }
      } catch (error) {
        if (this.stopped) break;
        this.options.logger.warn({ err: error, service: this.options.service }, 'outbox relay lost its session; retrying');
        await this.disconnect();
        await this.sleep(this.options.pollMs * 4);
      }
    }
    await this.disconnect();
  }

  private async connect(): Promise<void> {
    if (this.client) return;
    const client = new Client({ connectionString: this.options.connectionString, application_name: `mnemo-${this.options.service}-relay-${process.pid}` });
    client.on('notification', (_: Notification) => this.wake?.());
    client.on('error', () => undefined);
    await client.connect();
    // A relay that dies while blocked in a statement still releases leadership promptly.
    await client.query(`SET client_connection_check_interval = '1s'`);
    this.client = client;
  }

  private async disconnect(): Promise<void> {
    this.leader = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Publishes one batch in order; returns how many rows it published. */
  private async publishBatch(): Promise<number> {
    const { rows } = await this.client!.query<OutboxRow>(
      'SELECT position, message_id, subject, payload, headers FROM outbox ORDER BY position LIMIT $1',
      [this.options.batchSize ?? 256],
    );
    if (rows.length === 0) return 0;
    const done: string[] = [];
    try {
      for (const row of rows) {
        const headers = natsHeaders();
        for (const [name, value] of Object.entries(row.headers ?? {})) headers.set(name, value);
        const ack = await this.js!.publish(row.subject, encoder.encode(JSON.stringify(row.payload)), { msgID: row.message_id, headers });
        if (ack.duplicate) this.duplicates++;
        done.push(row.position);
      }
    } finally {
      if (done.length > 0) {
        await this.client!.query('DELETE FROM outbox WHERE position = ANY($1::bigint[])', [done]);
        this.published += done.length;
      }
    }
    return done.length;
  }
}
