import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { purgeUnclaimedIcons } from './icon-uploads';
import type { IconSettings } from './icon.settings';

export const ICON_SETTINGS = Symbol('ICON_SETTINGS');

/**
 * Purges uploads no workspace claimed once they are older than the retention (API.md: 24 h), on every replica:
 * the DELETE is idempotent, so replicas sweeping at once only repeat each other's work.
 */
@Injectable()
export class IconSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(ICON_SETTINGS) private readonly settings: IconSettings,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private sweep(): Promise<void> {
    this.running ??= (async () => {
      try {
        const purged = await purgeUnclaimedIcons(this.runtime.orm.em.fork(), new Date(Date.now() - this.settings.unclaimedRetentionMs));
        if (purged > 0) this.runtime.logger.info({ purged }, 'unclaimed icon uploads purged');
      } catch (error) {
        this.runtime.logger.warn({ err: error }, 'icon sweep failed; the next one retries');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
