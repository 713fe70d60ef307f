import { IDENTITY_RPC } from '@mnemo/contracts';
import type { RpcClient } from '@mnemo/messaging';

/**
 * `last_used_at` is a high-frequency counter, not an event: each replica notes the keys it saw and reports
 * them to identity in one batch every few seconds.
 */
export class KeyUseRecorder {
  private readonly seen = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly rpc: RpcClient,
    intervalMs = 2000,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  note(keyId: string): void {
    this.seen.set(keyId, new Date().toISOString());
  }

  async flush(): Promise<void> {
    if (this.seen.size === 0) return;
    const uses = [...this.seen].map(([key_id, at]) => ({ key_id, at }));
    this.seen.clear();
    await this.rpc.call('identity', IDENTITY_RPC.recordKeyUse, { uses });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
