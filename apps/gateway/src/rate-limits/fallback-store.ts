import LocalStore, { type LibraryStore, type StoreCallback } from '@fastify/rate-limit/store/LocalStore';
import RedisStore from '@fastify/rate-limit/store/RedisStore';
import { metrics } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import type { Logger } from '@mnemo/observability';

/** After a Redis failure, counting stays local this long before Redis is tried again (no per-request timeouts). */
const REDIS_RETRY_AFTER_MS = 1000;

/** Entries of each limiter's local (fallback or Redis-less) counter, least recently used evicted first. */
export const LOCAL_STORE_ENTRIES = 100_000;

/**
 * Counts how often rate limiting fell back from Redis to this process: an OpenTelemetry counter
 * (`mnemo.gateway.rate_limit.redis_fallbacks`, exported once a meter provider is registered) and a plain
 * number for tests and diagnostics.
 */
export class RedisFallbackMetric {
  private readonly counter = metrics.getMeter('mnemo-gateway').createCounter('mnemo.gateway.rate_limit.redis_fallbacks', {
    description: 'Rate-limit decisions counted in the gateway process because Redis failed or was unreachable',
  });
  count = 0;

  add(reason: string): void {
    this.count++;
    this.counter.add(1, { reason });
  }
}

interface StoreContext {
  redis?: Redis;
  nameSpace: string;
  metric: RedisFallbackMetric;
  logger: Logger;
  /** Shared by every limiter: when Redis next gets a chance, and whether a failure was already logged. */
  health: { retryAt: number; degraded: boolean };
}

interface StoreParams {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  cache?: number;
}

/**
 * A store for @fastify/rate-limit (its `store` option): counts in the library's Redis store, shared by every
 * gateway replica, and when Redis is unreachable or a command fails, in the library's local store instead —
 * requests never fail because of Redis. Each fallback is counted in the metric.
 */
export function fallbackStore(context: StoreContext) {
  return class FallbackStore implements LibraryStore {
    private readonly redisStore?: RedisStore;
    private readonly local: LocalStore;

    constructor(options: unknown) {
      const params = (options ?? {}) as StoreParams;
      const continueExceeding = params.continueExceeding ?? false;
      const exponentialBackoff = params.exponentialBackoff ?? false;
      if (context.redis) this.redisStore = new RedisStore(continueExceeding, exponentialBackoff, context.redis, context.nameSpace);
      this.local = new LocalStore(continueExceeding, exponentialBackoff, params.cache ?? LOCAL_STORE_ENTRIES);
    }

    incr(key: string, callback: StoreCallback, timeWindow: number, max: number): void {
      this.use('incr', key, callback, timeWindow, max);
    }

    read(key: string, callback: StoreCallback, timeWindow: number, max: number): void {
      this.use('read', key, callback, timeWindow, max);
    }

    /** Called by the library for each limiter (`createRateLimit`, route configs): its own counters. */
    child(routeOptions: unknown): FallbackStore {
      return new FallbackStore(routeOptions);
    }

    private use(method: 'incr' | 'read', key: string, callback: StoreCallback, timeWindow: number, max: number): void {
      const redis = context.redis;
      if (!this.redisStore || !redis) return this.local[method](key, callback, timeWindow, max);
      if (redis.status !== 'ready' || Date.now() < context.health.retryAt) {
        this.fellBack('unreachable', new Error(`redis is ${redis.status}`));
        return this.local[method](key, callback, timeWindow, max);
      }
      this.redisStore[method](
        key,
        (error, result) => {
          if (error || !result) {
            context.health.retryAt = Date.now() + REDIS_RETRY_AFTER_MS;
            this.fellBack('command_failed', error ?? new Error('redis returned no count'));
            return this.local[method](key, callback, timeWindow, max);
          }
          if (context.health.degraded) {
            context.health.degraded = false;
            context.logger.info('redis is back: rate limits are shared by every gateway replica again');
          }
          callback(null, result);
        },
        timeWindow,
        max,
      );
    }

    private fellBack(reason: 'unreachable' | 'command_failed', error: Error): void {
      context.metric.add(reason);
      if (!context.health.degraded) {
        context.health.degraded = true;
        context.logger.warn({ err: error }, 'redis unavailable: rate limits are counted in this gateway process until it is back');
      }
    }
  };
}
