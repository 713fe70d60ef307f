import type { Logger } from '@mnemo/observability';

export interface DueWorkPollerOptions {
  /** What is polled, for the log line of a failed poll. */
  what: string;
  intervalMs: number;
  /** Items handled per poll at most, so a backlog is worked off without one poll running forever. */
  batch: number;
  /**
   * Claims one due item and handles it in one transaction — the claim being a `FOR UPDATE SKIP LOCKED` row, so
   * every replica may poll and each item is handled by exactly one; false when nothing is due.
   */
  handleOne: () => Promise<boolean>;
  logger: Logger;
}

/**
 * Due work (period rollovers, grace periods that end) polled on every replica: one poll at a time per process,
 * at most `batch` items a poll, and a failure only ends this poll (the item stays due for the next one).
 */
export class DueWorkPoller {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly options: DueWorkPollerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Handles what is due now; the number of items handled (0 when a poll is already running). */
  async poll(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let handled = 0;
    try {
      while (handled < this.options.batch && (await this.options.handleOne())) handled++;
    } catch (error) {
      this.options.logger.warn({ err: error }, `${this.options.what} failed; the next poll retries`);
    } finally {
      this.running = false;
    }
    return handled;
  }
}
