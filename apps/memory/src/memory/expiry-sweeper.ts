import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { MemoryWrites } from './memory.writes';

const SWEEP_INTERVAL_MS = 2000;
const SWEEP_BATCH = 200;

/**
 * Purges memories whose `expires_at` passed. Reads already hide them at once; this appends `memory.expired`
 * and deletes the row, one memory per transaction. Replicas share the work: a row another sweeper holds is
 * skipped (`FOR UPDATE SKIP LOCKED`).
 */
@Injectable()
export class ExpirySweeper implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(MemoryWrites) private readonly writes: MemoryWrites,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; answers how many memories it purged. */
  sweep(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    let purged = 0;
    try {
      const due = await this.runtime.orm.em
        .fork()
        .execute<{ id: string; workspace_id: number }[]>(`SELECT id, workspace_id FROM memories WHERE expires_at <= now() ORDER BY expires_at LIMIT ?`, [SWEEP_BATCH]);
      for (const memory of due) {
        const caller = { workspace_id: memory.workspace_id, principal: 'system:expiry', agent_id: null, scopes: [] };
        const reply = await this.writes.run(caller, undefined, async (tx) => {
          const [held] = await tx.execute<{ id: string; db_now: Date }[]>(
            'SELECT id, now() AS db_now FROM memories WHERE workspace_id = ? AND id = ? AND expires_at <= now() FOR UPDATE SKIP LOCKED',
            [memory.workspace_id, memory.id],
          );
          if (!held) return 0;
          // The database's clock decides expiry, as it does for reads.
          await this.writes.apply(tx, caller, memory.id, { type: 'ExpireMemory', uuid: memory.id, now: new Date(held.db_now).toISOString() });
          return 1;
        });
        if (reply.ok) purged += reply.data;
      }
    } catch (error) {
      this.runtime.logger.warn({ err: error }, 'expiry sweep failed; will retry');
    }
    return purged;
  }
}
