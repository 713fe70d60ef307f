import { ConfigError } from '@mnemo/contracts';
import type { RateLimitRule } from './access/rate-limiter';

/** The gateway's own settings: per-IP and per-email limits of API.md, each configurable. */
export interface GatewaySettings {
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  limits: {
    signupPerIp: RateLimitRule;
    loginPerIp: RateLimitRule;
    loginPerEmail: RateLimitRule;
    passwordResetPerIp: RateLimitRule;
    passwordResetPerEmail: RateLimitRule;
    joinPerIp: RateLimitRule;
  };
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
      loginPerEmail: rule('login-email', 'RATE_LIMIT_LOGIN_PER_EMAIL_MINUTE', 10, 60),
      passwordResetPerIp: rule('reset-ip', 'RATE_LIMIT_PASSWORD_RESET_PER_IP_HOUR', 10, 3600),
      passwordResetPerEmail: rule('reset-email', 'RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_HOUR', 5, 3600),
      joinPerIp: rule('join-ip', 'RATE_LIMIT_JOIN_PER_IP_15_MINUTES', 30, 900),
    },
  };
}
