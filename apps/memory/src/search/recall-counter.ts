import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';

/**
 * `recall_count` is a high-frequency counter, not an event: recalls are summed in memory and written in one
 * statement per interval (and on shutdown). A memory deleted in between is simply not updated. A uuid is unique
 * per workspace only, so counts are kept per `<workspace_id>:<uuid>`.
 */
@Injectable()
export class RecallCounter implements OnModuleInit, OnModuleDestroy {
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  private readonly intervalMs = 500;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  note(workspaceId: number, ids: string[]): void {
    for (const id of ids) {
      const key = `${workspaceId}:${id}`;
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    }
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = (async () => {
      try {
        await this.runtime.orm.em.fork().execute(
          `UPDATE memories m SET recall_count = m.recall_count + c.value::int
           FROM jsonb_each_text(?::jsonb) AS c
           WHERE m.workspace_id = split_part(c.key, ':', 1)::int AND m.id = split_part(c.key, ':', 2)::uuid`,
          [JSON.stringify(Object.fromEntries(batch))],
        );
      } catch (error) {
        // Put the counts back: they are written with the next batch.
        for (const [id, count] of batch) this.pending.set(id, (this.pending.get(id) ?? 0) + count);
        this.runtime.logger.warn({ err: error }, 'recall counts could not be written; will retry');
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }
}
