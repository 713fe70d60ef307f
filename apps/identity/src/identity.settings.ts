import { ConfigError } from '@mnemo/contracts';

/** Identity's own settings, validated at start beside the common config. */
export interface IdentitySettings {
  /** argon2id cost. `test` is cheap and refused when NODE_ENV=production. */
  passwordProfile: 'production' | 'test';
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  sessionTtlMs: number;
  verificationTtlMs: number;
  resetTtlMs: number;
  /** Base of the links in emails. */
  publicUrl: string;
  smtpUrl?: string;
  mailFrom: string;
}

const PROFILES = {
  // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
  production: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
  test: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
} as const;

export function loadIdentitySettings(env: NodeJS.ProcessEnv = process.env): IdentitySettings {
  const profile = (env.PASSWORD_HASH_PROFILE || 'production') as IdentitySettings['passwordProfile'];
  if (!(profile in PROFILES)) throw new ConfigError('PASSWORD_HASH_PROFILE', 'must be production or test');
  if (profile === 'test' && env.NODE_ENV === 'production') {
    throw new ConfigError('PASSWORD_HASH_PROFILE', 'is "test", which production refuses: test hashes are cheap to crack');
  }
  const hours = (name: string, fallback: number) => {
    const raw = env[name];
    if (!raw) return fallback * 3_600_000;
    const value = Number(raw);
    if (!(value > 0)) throw new ConfigError(name, `must be a positive number of hours, got "${raw}"`);
    return value * 3_600_000;
  };
  return {
    passwordProfile: profile,
    argon2: PROFILES[profile],
    sessionTtlMs: hours('SESSION_TTL_HOURS', 24 * 30),
    verificationTtlMs: hours('EMAIL_VERIFICATION_TTL_HOURS', 48),
    resetTtlMs: hours('PASSWORD_RESET_TTL_HOURS', 1),
    publicUrl: (env.PUBLIC_URL || `http://127.0.0.1:${env.GATEWAY_PORT || 3000}`).replace(/\/$/, ''),
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || 'Mnemo <no-reply@mnemo.local>',
  };
}
