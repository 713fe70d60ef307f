import { Redis } from 'ioredis';
import { MnemoError } from '@mnemo/contracts';
import type { Logger } from '@mnemo/observability';

export interface RateLimitRule {
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * Fixed-window counters, counted per request. In Redis (shared by every gateway replica) when configured;
 * a single gateway without Redis, or one whose Redis fails, counts in memory and says so.
 */
export class RateLimiter {
  private readonly redis?: Redis;
  private readonly local = new Map<string, { count: number; resetAt: number }>();
  private redisHealthy = true;
  /** Times the limiter fell back to local counting because Redis failed (a metric). */
  fallbacks = 0;

  constructor(
    redisUrl: string | undefined,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    if (redisUrl) {
      this.redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      this.redis.on('error', () => undefined);
    } else {
      logger.warn('no REDIS_URL: rate limits are counted in this process only (correct for one gateway replica)');
    }
  }

  async consume(rule: RateLimitRule, subject: string): Promise<RateLimitDecision> {
    const windowStart = Math.floor(Date.now() / 1000 / rule.windowSeconds) * rule.windowSeconds;
    const resetSeconds = Math.max(1, windowStart + rule.windowSeconds - Math.floor(Date.now() / 1000));
    const key = `${this.prefix}rl:${rule.name}:${subject}:${windowStart}`;
    let count: number;
    if (this.redis && this.redis.status === 'ready') {
      try {
        const [[, incremented]] = (await this.redis.multi().incr(key).expire(key, rule.windowSeconds + 1).exec()) as [[null, number]];
        count = incremented;
        this.redisHealthy = true;
      } catch (error) {
        count = this.countLocally(key, rule);
        this.noteFallback(error);
      }
    } else {
      if (this.redis) this.noteFallback(new Error(`redis is ${this.redis.status}`));
      count = this.countLocally(key, rule);
    }
    return { allowed: count <= rule.limit, limit: rule.limit, remaining: Math.max(0, rule.limit - count), resetSeconds };
  }

  /** Consumes and throws RATE_LIMITED (with Retry-After) when over the limit. */
  async enforce(rule: RateLimitRule, subject: string): Promise<RateLimitDecision> {
    const decision = await this.consume(rule, subject);
    if (!decision.allowed) {
      throw new MnemoError('RATE_LIMITED', `too many requests: at most ${rule.limit} per ${rule.windowSeconds} s (${rule.name}); retry later`, {
        retry_after_seconds: decision.resetSeconds,
        limit: rule.limit,
      });
    }
    return decision;
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }

  private countLocally(key: string, rule: RateLimitRule): number {
    const now = Date.now();
    if (this.local.size > 100_000) for (const [k, v] of this.local) if (v.resetAt <= now) this.local.delete(k);
    const entry = this.local.get(key);
    if (!entry || entry.resetAt <= now) {
      this.local.set(key, { count: 1, resetAt: now + rule.windowSeconds * 1000 });
      return 1;
    }
    entry.count++;
    return entry.count;
  }

  private noteFallback(error: unknown): void {
    this.fallbacks++;
    if (this.redisHealthy) this.logger.warn({ err: error }, 'redis unavailable: rate limits fall back to this process');
    this.redisHealthy = false;
  }
}
