import { ConfigError, PLAN_NAMES, planLimits, type PlanLimits, type PlanName } from '@mnemo/contracts';
import type { RateLimitRule } from './rate-limits/rule';

export type { RateLimitRule } from './rate-limits/rule';

/**
 * The gateway's own settings: the rate limits of API.md and the seeds, each configurable by environment
 * (counts only; each rule's window is part of its variable's name).
 */
export interface GatewaySettings {
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  limits: {
    /** Per client IP. */
    signupPerIp: RateLimitRule;
    loginPerIp: RateLimitRule;
    passwordResetPerIp: RateLimitRule;
    joinPerIp: RateLimitRule;
    /** Per email of the request body. */
    signupPerEmail: RateLimitRule;
    loginPerEmail: RateLimitRule;
    passwordResetPerEmail: RateLimitRule;
    /** Per user (of the bearer credential): POST /v1/join, and POST /v1/workspaces without organization_id. */
    joinPerUser: RateLimitRule;
    createWorkspacePerUser: RateLimitRule;
  };
  /** Per workspace: each plan's requests/second and burst (`PLAN_<NAME>_RPS` / `PLAN_<NAME>_BURST`). */
  plans: Record<PlanName, PlanLimits>;
  /** How long a rate-limit count may wait for Redis before the gateway counts locally instead. */
  rateLimitRedisTimeoutMs: number;
}

export function loadGatewaySettings(env: NodeJS.ProcessEnv = process.env): GatewaySettings {
  const count = (name: string, fallback: number) => {
    const raw = env[name];
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new ConfigError(name, `must be a positive integer, got "${raw}"`);
    return value;
  };
  const rule = (name: string, variable: string, fallback: number, windowSeconds: number): RateLimitRule => ({
    name,
    limit: count(variable, fallback),
    windowSeconds,
  });
  return {
    trustProxy: env.TRUST_PROXY === 'true',
    limits: {
      signupPerIp: rule('signup-ip', 'RATE_LIMIT_SIGNUP_PER_IP_HOUR', 60, 3600),
      loginPerIp: rule('login-ip', 'RATE_LIMIT_LOGIN_PER_IP_MINUTE', 30, 60),
      passwordResetPerIp: rule('reset-ip', 'RATE_LIMIT_PASSWORD_RESET_PER_IP_HOUR', 10, 3600),
      joinPerIp: rule('join-ip', 'RATE_LIMIT_JOIN_PER_IP_15_MINUTES', 30, 900),
      // Signups for one address: a taken address answers 409, so this bounds how fast anyone can probe.
      signupPerEmail: rule('signup-email', 'RATE_LIMIT_SIGNUP_PER_EMAIL_HOUR', 10, 3600),
      loginPerEmail: rule('login-email', 'RATE_LIMIT_LOGIN_PER_EMAIL_MINUTE', 10, 60),
      passwordResetPerEmail: rule('reset-email', 'RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_HOUR', 5, 3600),
      joinPerUser: rule('join-user', 'RATE_LIMIT_JOIN_PER_USER_15_MINUTES', 5, 900),
      createWorkspacePerUser: rule('create-workspace-user', 'RATE_LIMIT_CREATE_WORKSPACE_PER_USER_HOUR', 3, 3600),
    },
    plans: Object.fromEntries(PLAN_NAMES.map((plan) => [plan, planLimits(plan, env)])) as Record<PlanName, PlanLimits>,
    rateLimitRedisTimeoutMs: count('RATE_LIMIT_REDIS_TIMEOUT_MS', 250),
  };
}
