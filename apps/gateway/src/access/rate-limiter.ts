import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { PLAN_NAMES, planRequestWindow, ROUTE_ACCESS, routeKey, type MnemoConfig, type PlanName, type RouteAccess } from '@mnemo/contracts';
import type { RpcClient } from '@mnemo/messaging';
import type { Logger } from '@mnemo/observability';
import type { GatewaySettings } from '../gateway.settings';
import { fallbackStore, RedisFallbackMetric } from '../rate-limits/fallback-store';
import { routeLimits, type LimitHook, type RouteLimit } from '../rate-limits/route-limits';
import { rateLimitedError, setRateLimitHeaders, type CountedRequest } from '../rate-limits/rule';
import { WorkspacePlans } from '../rate-limits/workspace-plans';
import { fromBody, sendError } from '../spine/error-envelope';
import type { AccessCache } from './access-cache';
import type { CredentialCache } from './credential-cache';

export type { RateLimitRule } from '../rate-limits/rule';

/** How long the gateway waits for Redis at start before counting locally (it keeps reconnecting). */
const REDIS_START_WAIT_MS = 3000;

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

interface PreparedLimit {
  name: string;
  limit: number;
  windowMs: number;
  check: Limiter;
  /** For the 429's message; default "at most <limit> per <window> s". */
  description?: string;
  extraDetails?: Record<string, unknown>;
}

/** What the gateway's rate limits need from the rest of the gateway. */
export interface RateLimitDependencies {
  credentials: CredentialCache;
  access: AccessCache;
  rpc: RpcClient;
  extraRoutes?: Record<string, RouteAccess>;
}

/**
 * The gateway's rate limits, counted by @fastify/rate-limit (`fastify.createRateLimit`, fixed windows that start
 * with a subject's first request):
 * - per IP / email / user on the routes of `routeLimits` — global `onRequest` and `preHandler` hooks look each
 *   request's `METHOD /route` up there, so routes need no code of their own;
 * - per workspace, by plan, on every authenticated workspace route — `limitWorkspace`, called by
 *   WorkspaceRateLimitInterceptor once access control has found the workspace.
 * Counters live in Redis (REDIS_URL, keys under REDIS_PREFIX), shared by every gateway replica; without
 * REDIS_URL in this process (with a warning); when Redis fails, in this process too, counted by `fallbacks`.
 * Every refusal is 429 RATE_LIMITED in the error envelope with Retry-After and the RateLimit-* headers.
 */
export class RateLimiter {
  /** Decisions counted in this process because Redis failed (an OpenTelemetry counter and a number). */
  readonly fallbacks = new RedisFallbackMetric();
  private readonly routes = new Map<string, Record<LimitHook, PreparedLimit[]>>();
  private readonly planLimiters = new Map<PlanName, PreparedLimit>();
  private readonly tightest = new WeakMap<FastifyRequest, CountedRequest>();
  private plans?: WorkspacePlans;
  private accessRules: Record<string, RouteAccess> = ROUTE_ACCESS;

  private constructor(
    private readonly settings: GatewaySettings,
    private readonly logger: Logger,
    private readonly redisPrefix: string,
    private readonly redis?: Redis,
  ) {}

  /** Connects to Redis when configured; a Redis that is not reachable yet is not fatal (counting is local meanwhile). */
  static async connect(config: Pick<MnemoConfig, 'redisUrl' | 'redisPrefix'>, settings: GatewaySettings, logger: Logger): Promise<RateLimiter> {
    if (!config.redisUrl) {
      logger.warn('no REDIS_URL: rate limits are counted in this process only (correct for one gateway replica)');
      return new RateLimiter(settings, logger, config.redisPrefix);
    }
    const redis = new Redis(config.redisUrl, {
      lazyConnect: true,
      // Never queue a count behind a broken connection: fail at once and count locally.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: settings.rateLimitRedisTimeoutMs,
    });
    redis.on('error', () => undefined); // reported through the fallbacks
    const connected = await Promise.race([
      redis.connect().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), REDIS_START_WAIT_MS).unref()),
    ]);
    if (!connected) logger.warn('redis not reachable at start: rate limits are counted in this process until it is');
    return new RateLimiter(settings, logger, config.redisPrefix, redis);
  }

  /** Registers @fastify/rate-limit on the gateway's Fastify instance and the hooks of the per-route limits. */
  async install(fastify: FastifyInstance, dependencies: RateLimitDependencies): Promise<void> {
    this.accessRules = { ...dependencies.extraRoutes, ...ROUTE_ACCESS };
    this.plans = new WorkspacePlans(dependencies.rpc, dependencies.access, this.logger);
    await fastify.register(fastifyRateLimit, {
      // No route gets a default limit: the limits below are the gateway's only ones.
      global: false,
      enableDraftSpec: true,
      store: fallbackStore({ redis: this.redis, nameSpace: `${this.redisPrefix}rate-limit:`, metric: this.fallbacks, logger: this.logger, health: { retryAt: 0, degraded: false } }),
      // The store already falls back to local counting; should even that fail, the request is served.
      skipOnError: true,
    });

    for (const [route, limits] of Object.entries(routeLimits(this.settings, dependencies.credentials))) {
      const prepared: Record<LimitHook, PreparedLimit[]> = { onRequest: [], preHandler: [] };
      for (const limit of limits) prepared[limit.hook].push(this.prepare(fastify, limit));
      this.routes.set(route, prepared);
    }
    for (const plan of PLAN_NAMES) {
      const limits = this.settings.plans[plan];
      const window = planRequestWindow(limits);
      this.planLimiters.set(plan, {
        name: 'workspace-rps',
        limit: window.max,
        windowMs: window.windowMs,
        description: `at most ${limits.requestsPerSecond} requests/s with bursts of ${limits.burst} per workspace on the ${plan} plan`,
        extraDetails: { plan, requests_per_second: limits.requestsPerSecond, burst: limits.burst },
        check: fastify.createRateLimit({
          max: window.max,
          timeWindow: window.windowMs,
          keyGenerator: (request) => `workspace-rps:${request.auth?.workspaceId}`,
          skipOnError: true,
        }),
      });
    }

    fastify.addHook('onRequest', async (request, reply) => this.limitRoute('onRequest', request, reply));
    fastify.addHook('preHandler', async (request, reply) => this.limitRoute('preHandler', request, reply));
  }

  /**
   * Counts an authenticated request against its workspace's plan rate; throws RATE_LIMITED (the error filter
   * answers it) when over. Requests without a workspace, or on routes that are not workspace routes, pass.
   */
  async limitWorkspace(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const auth = request.auth;
    const route = request.routeOptions?.url;
    if (!auth || auth.workspaceId === null || !route || !this.plans) return;
    if (this.accessRules[routeKey(request.method, route)]?.auth !== 'workspace') return;
    const limiter = this.planLimiters.get(await this.plans.planOf(auth, auth.workspaceId));
    if (!limiter) return;
    const counted = await limiter.check(request);
    if (counted.isAllowed) return;
    this.noteHeaders(request, reply, counted);
    if (counted.isExceeded) throw this.refusal(limiter, counted, route);
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }

  private prepare(fastify: FastifyInstance, { rule, subject }: RouteLimit): PreparedLimit {
    return {
      name: rule.name,
      limit: rule.limit,
      windowMs: rule.windowSeconds * 1000,
      check: fastify.createRateLimit({
        max: rule.limit,
        timeWindow: rule.windowSeconds * 1000,
        keyGenerator: async (request) => {
          const counted = await subject(request);
          return counted === undefined ? '' : `${rule.name}:${counted}`;
        },
        // A request without a subject (no email, no valid credential) is not counted under this rule.
        allowList: (_request, key) => key === '',
        skipOnError: true,
      }),
    };
  }

  private async limitRoute(hook: LimitHook, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const route = request.routeOptions?.url;
    if (!route) return undefined;
    const limits = this.routes.get(routeKey(request.method, route))?.[hook];
    if (!limits) return undefined;
    for (const limit of limits) {
      const counted = await limit.check(request);
      if (counted.isAllowed) continue;
      this.noteHeaders(request, reply, counted);
      if (counted.isExceeded) {
        sendError(reply, request, fromBody(this.refusal(limit, counted, route).toBody()));
        return reply;
      }
    }
    return undefined;
  }

  /** With several limits on a request, the RateLimit-* headers describe the one closest to refusing. */
  private noteHeaders(request: FastifyRequest, reply: FastifyReply, counted: CountedRequest): void {
    const previous = this.tightest.get(request);
    if (!counted.isExceeded && previous && previous.remaining <= counted.remaining) return;
    this.tightest.set(request, counted);
    setRateLimitHeaders(reply, counted);
  }

  private refusal(limit: PreparedLimit, counted: CountedRequest, route: string) {
    this.logger.info({ rule: limit.name, route }, 'rate limited');
    const error = rateLimitedError(limit, counted);
    if (limit.extraDetails) Object.assign(error.details!, limit.extraDetails);
    return error;
  }
}
