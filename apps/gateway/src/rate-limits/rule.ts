import type { FastifyReply } from 'fastify';
import { MnemoError } from '@mnemo/contracts';

/** One counted limit: at most `limit` requests per `windowSeconds` for one subject (an IP, an email, a user). */
export interface RateLimitRule {
  /** Shown in the 429's details and part of the counter's key. */
  name: string;
  limit: number;
  windowSeconds: number;
}

/** What @fastify/rate-limit's limiter (`fastify.createRateLimit`) answers for a counted request. */
export interface CountedRequest {
  max: number;
  remaining: number;
  ttl: number;
  isExceeded: boolean;
}

/** The IETF draft's header names (what @fastify/rate-limit sends with `enableDraftSpec: true`). */
export const RATE_LIMIT_HEADERS = {
  limit: 'RateLimit-Limit',
  remaining: 'RateLimit-Remaining',
  reset: 'RateLimit-Reset',
} as const;

export function secondsUntilReset(counted: CountedRequest): number {
  return Math.max(1, Math.ceil(counted.ttl / 1000));
}

/** `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window resets). */
export function setRateLimitHeaders(reply: FastifyReply, counted: CountedRequest): void {
  reply.header(RATE_LIMIT_HEADERS.limit, String(counted.max));
  reply.header(RATE_LIMIT_HEADERS.remaining, String(counted.isExceeded ? 0 : counted.remaining));
  reply.header(RATE_LIMIT_HEADERS.reset, String(secondsUntilReset(counted)));
}

/**
 * The documented 429: `RATE_LIMITED` with the rule in `details`; the error envelope turns
 * `retry_after_seconds` into the `Retry-After` header.
 */
export function rateLimitedError(rule: { name: string; limit: number; windowMs: number; description?: string }, counted: CountedRequest): MnemoError {
  const retryAfter = secondsUntilReset(counted);
  const description = rule.description ?? `at most ${rule.limit} per ${rule.windowMs / 1000} s`;
  return new MnemoError('RATE_LIMITED', `too many requests: ${description} (${rule.name}); retry in ${retryAfter} s`, {
    rule: rule.name,
    limit: rule.limit,
    window_seconds: rule.windowMs / 1000,
    retry_after_seconds: retryAfter,
  });
}
