import { createHash } from 'node:crypto';
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { credentialKind } from '@mnemo/contracts';
import { normalizedEmail } from '../access/client';
import type { CredentialCache } from '../access/credential-cache';
import type { GatewaySettings } from '../gateway.settings';
import type { RateLimitRule } from './rule';

/**
 * When a limit is counted. `onRequest`: as soon as the route is known, before the body is read, so every
 * request counts — malformed and invalid ones too. `preHandler`: after the body is parsed (for limits keyed by
 * a body field), still before validation, so requests that then fail validation count as well.
 */
export type LimitHook = 'onRequest' | 'preHandler';

export interface RouteLimit {
  rule: RateLimitRule;
  hook: LimitHook;
  /** Who is counted; undefined leaves the request out of this limit (another check refuses it anyway). */
  subject(request: FastifyRequest): string | undefined | Promise<string | undefined>;
}

/** The client address (X-Forwarded-For behind a trusted proxy), IPv6 grouped by /64 as the library does. */
export function byIp(request: FastifyRequest): string {
  return normalizeIP(request.ip);
}

/** The normalized email of the body, hashed: Redis keys never hold an address. */
export function byEmail(request: FastifyRequest): string | undefined {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  if (typeof email !== 'string' || email.trim() === '') return undefined;
  return createHash('sha256').update(normalizedEmail(email)).digest('base64url');
}

/**
 * The user behind the bearer credential (a session's user; for an API key, the user who created it), through
 * the gateway's credential cache. A missing or bad credential is not counted: access control refuses it.
 */
export function byUser(credentials: CredentialCache) {
  return async (request: FastifyRequest): Promise<string | undefined> => {
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
    if (!token || !credentialKind(token)) return undefined;
    try {
      const credential = await credentials.resolve(token);
      return credential.kind === 'session' ? credential.user_id : credential.created_by;
    } catch {
      return undefined;
    }
  };
}

/**
 * The counted routes, by `METHOD /route/pattern` (Fastify's `routeOptions.url`, as in ROUTE_ACCESS). A route
 * needs no code of its own to be limited: the gateway's global hooks look it up here.
 */
export function routeLimits(settings: GatewaySettings, credentials: CredentialCache): Record<string, RouteLimit[]> {
  const { limits } = settings;
  const user = byUser(credentials);
  return {
    'POST /v1/auth/signup': [
      { rule: limits.signupPerIp, hook: 'onRequest', subject: byIp },
      { rule: limits.signupPerEmail, hook: 'preHandler', subject: byEmail },
    ],
    'POST /v1/auth/login': [
      { rule: limits.loginPerIp, hook: 'onRequest', subject: byIp },
      { rule: limits.loginPerEmail, hook: 'preHandler', subject: byEmail },
    ],
    'POST /v1/auth/password-reset': [
      { rule: limits.passwordResetPerIp, hook: 'onRequest', subject: byIp },
      { rule: limits.passwordResetPerEmail, hook: 'preHandler', subject: byEmail },
    ],
    'POST /v1/join': [
      { rule: limits.joinPerIp, hook: 'onRequest', subject: byIp },
      { rule: limits.joinPerUser, hook: 'onRequest', subject: user },
    ],
    // API.md: "3 requests per hour per user on creates without organization_id".
    'POST /v1/workspaces': [
      {
        rule: limits.createWorkspacePerUser,
        hook: 'preHandler',
        subject: (request) => {
          const organizationId = (request.body as { organization_id?: unknown } | undefined)?.organization_id;
          return organizationId === undefined || organizationId === null ? user(request) : undefined;
        },
      },
    ],
  };
}
