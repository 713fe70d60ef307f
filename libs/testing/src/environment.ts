import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { loadConfig, type AppName, type MnemoConfig } from '@mnemo/contracts';
import { dropDatabase } from '@mnemo/event-store';

/** The machine's services; tests never connect anywhere but loopback. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A short unique id for names of databases, NATS prefixes and Redis prefixes. */
export function uniqueId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Config for an isolated piece of infrastructure: its own database and its own NATS prefix. */
export function isolatedConfig(app: AppName, id = uniqueId()): MnemoConfig {
  return loadConfig(app, {
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_NAME: `mnemo_t_${id}`,
    NATS_URL: TEST_NATS_URL,
    NATS_PREFIX: `t_${id}`,
    REDIS_URL: TEST_REDIS_URL,
    LOG_LEVEL: 'silent',
    RELAY_POLL_MS: '50',
  });
}

/** Drops what an isolated config created: its database and every stream carrying its prefix. */
export async function cleanUpIsolated(config: MnemoConfig): Promise<void> {
  await dropDatabase(config, config.databaseName);
  const nc = await connect({ servers: config.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`${config.natsPrefix}_`)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}

/** What the global setup started, as the test files see it. */
export interface TestStack {
  gatewayUrl: string;
  databaseName: string;
  natsPrefix: string;
  logDir: string;
  config: MnemoConfig;
  /** The gateway's admin port and the operator credential it accepts. */
  adminUrl: string;
  operatorToken: string;
}

export function testStack(): TestStack {
  const gatewayUrl = process.env.MNEMO_TEST_GATEWAY_URL;
  if (!gatewayUrl) throw new Error('the test stack is not running: run tests through `npm test`');
  return {
    gatewayUrl,
    databaseName: process.env.MNEMO_TEST_DATABASE_NAME!,
    natsPrefix: process.env.MNEMO_TEST_NATS_PREFIX!,
    logDir: process.env.MNEMO_TEST_LOG_DIR!,
    adminUrl: process.env.MNEMO_TEST_ADMIN_URL!,
    operatorToken: process.env.MNEMO_TEST_OPERATOR_TOKEN!,
    config: loadConfig('gateway', {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_NAME: process.env.MNEMO_TEST_DATABASE_NAME,
      NATS_URL: TEST_NATS_URL,
      NATS_PREFIX: process.env.MNEMO_TEST_NATS_PREFIX,
      LOG_LEVEL: 'silent',
    }),
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
