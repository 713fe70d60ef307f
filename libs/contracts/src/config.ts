import type { AppName } from './subjects';

/**
 * The configuration schema of every app, read once at start and validated: a bad value fails fast with a
 * message naming the variable. Deploy manifests are checked against `CONFIG_VARIABLES`.
 */
export interface MnemoConfig {
  app: AppName;
  /** Administrative connection: creates the database and roles, and is the template for the service roles. */
  databaseUrl: string;
  /** Database name; every service uses its own schema inside it. */
  databaseName: string;
  /** Password for the `<svc>_owner` and `<svc>_app` roles (unused under trust auth). */
  databaseRolePassword?: string;
  natsUrl: string;
  natsPrefix: string;
  redisUrl?: string;
  redisPrefix: string;
  smtpUrl?: string;
  /** Interface the HTTP servers bind to: loopback unless told otherwise (containers set 0.0.0.0). */
  host: string;
  port: number;
  adminPort: number;
  operatorToken?: string;
  otelEndpoint?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long the gateway waits for a service's RPC answer. */
  rpcTimeoutMs: number;
  /** Idle interval of the outbox relay; new rows also wake it through LISTEN/NOTIFY. */
  relayPollMs: number;
  /** How often each workspaces replica looks for usage periods that ended (the rollover claims them). */
  usageRolloverPollMs: number;
  /** Ed25519 seed (32 bytes, base64) signing audit checkpoints; the memory service refuses to start without it. */
  auditSigningKey?: string;
  /** When set, the memory service searches with its Elasticsearch adapter there instead of PostgreSQL. */
  elasticsearchUrl?: string;
}

export const CONFIG_VARIABLES = [
  'DATABASE_URL',
  'DATABASE_NAME',
  'DATABASE_ROLE_PASSWORD',
  'NATS_URL',
  'NATS_PREFIX',
  'REDIS_URL',
  'REDIS_PREFIX',
  'SMTP_URL',
  'HOST',
  'PORT',
  'ADMIN_PORT',
  'OPERATOR_TOKEN',
  'WEBHOOK_ALLOWED_HOSTS',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'GOOGLE_GENERATIVE_AI_API_KEY',
  'GOOGLE_GENERATIVE_AI_BASE_URL',
  'PERPLEXITY_API_KEY',
  'PERPLEXITY_BASE_URL',
  'MISTRAL_API_KEY',
  'MISTRAL_BASE_URL',
  'COHERE_API_KEY',
  'COHERE_BASE_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_API_BASE',
  'BILLING_GRACE_DAYS',
  'BILLING_GRACE_SWEEP_MS',
  'ELASTICSEARCH_URL',
  'AUDIT_SIGNING_KEY',
  'AUDIT_CHECKPOINT_RECORDS',
  'AUDIT_CHECKPOINT_INTERVAL_MS',
  'AUDIT_REFUSAL_WINDOW_MS',
  'DATA_ENCRYPTION_KEY',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'LOG_LEVEL',
  'RPC_TIMEOUT_MS',
  'RELAY_POLL_MS',
  'USAGE_ROLLOVER_POLL_MS',
  'MIGRATE_ON_START',
  'PASSWORD_HASH_PROFILE',
  'SESSION_TTL_HOURS',
  'EMAIL_VERIFICATION_TTL_HOURS',
  'PASSWORD_RESET_TTL_HOURS',
  'PUBLIC_URL',
  'MAIL_FROM',
  'TRUST_PROXY',
  'RATE_LIMIT_SIGNUP_PER_IP_HOUR',
  'RATE_LIMIT_SIGNUP_PER_EMAIL_HOUR',
  'RATE_LIMIT_LOGIN_PER_IP_MINUTE',
  'RATE_LIMIT_LOGIN_PER_EMAIL_MINUTE',
  'RATE_LIMIT_PASSWORD_RESET_PER_IP_HOUR',
  'RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_HOUR',
  'RATE_LIMIT_JOIN_PER_IP_15_MINUTES',
  'RATE_LIMIT_JOIN_PER_USER_15_MINUTES',
  'RATE_LIMIT_CREATE_WORKSPACE_PER_USER_HOUR',
  'RATE_LIMIT_REDIS_TIMEOUT_MS',
  'ICON_UPLOAD_RETENTION_SECONDS',
  'ICON_SWEEP_INTERVAL_SECONDS',
] as const;

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError(name, `must be a port number, got "${raw}"`);
  return value;
}

function readPositiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(name, `must be a positive integer, got "${raw}"`);
  return value;
}

function readUrl(env: NodeJS.ProcessEnv, name: string, protocols: string[], fallback?: string): string | undefined {
  const raw = env[name] || fallback;
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  return raw;
}

function readAuditSigningKey(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.AUDIT_SIGNING_KEY;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || Buffer.from(raw, 'base64').length !== 32) {
    throw new ConfigError('AUDIT_SIGNING_KEY', 'must be 32 random bytes in base64 (an Ed25519 seed)');
  }
  return raw;
}

export function loadConfig(app: AppName, env: NodeJS.ProcessEnv = process.env): MnemoConfig {
  const databaseUrl = readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/postgres')!;
  const databaseName = env.DATABASE_NAME || new URL(databaseUrl).pathname.replace(/^\//, '') || 'mnemo';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(databaseName)) {
    throw new ConfigError('DATABASE_NAME', `must be a lowercase identifier, got "${databaseName}"`);
  }
  const logLevel = (env.LOG_LEVEL || 'info') as MnemoConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const natsPrefix = env.NATS_PREFIX || 'mnemo';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(natsPrefix)) throw new ConfigError('NATS_PREFIX', 'must be 1-32 characters of [A-Za-z0-9_-]');
  return {
    app,
    databaseUrl,
    databaseName: databaseName === 'postgres' ? 'mnemo' : databaseName,
    databaseRolePassword: env.DATABASE_ROLE_PASSWORD || undefined,
    natsUrl: readUrl(env, 'NATS_URL', ['nats:', 'tls:'], 'nats://127.0.0.1:4222')!,
    natsPrefix,
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: env.REDIS_PREFIX || `${natsPrefix}:`,
    smtpUrl: readUrl(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    host: env.HOST || '127.0.0.1',
    port: readPort(env, 'PORT', 3000),
    adminPort: readPort(env, 'ADMIN_PORT', 3001),
    operatorToken: env.OPERATOR_TOKEN || undefined,
    otelEndpoint: readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
    logLevel,
    rpcTimeoutMs: readPositiveInt(env, 'RPC_TIMEOUT_MS', 5000),
    relayPollMs: readPositiveInt(env, 'RELAY_POLL_MS', 250),
    usageRolloverPollMs: readPositiveInt(env, 'USAGE_ROLLOVER_POLL_MS', 5000),
    elasticsearchUrl: readUrl(env, 'ELASTICSEARCH_URL', ['http:', 'https:']),
    auditSigningKey: readAuditSigningKey(env),
  };
}
