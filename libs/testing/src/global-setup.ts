import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startStack } from '../../../scripts/stack';
import { startMailSink } from './mail-sink';
import { startFakeStripe } from './fake-stripe';
import { freePort } from './ports';
import { TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL, uniqueId } from './environment';

/**
 * One stack for the whole test run: the five apps against the machine's PostgreSQL, NATS and Redis, with a
 * database name, NATS prefix and Redis prefix of this run only. Test files share it and make their own
 * workspaces.
 */
export default async function globalSetup(): Promise<void> {
  const id = uniqueId();
  const databaseName = `mnemo_test_${id}`;
  const natsPrefix = `test_${id}`;
  const logDir = join(process.cwd(), '.data', 'test-logs', id);
  const mailDir = join(logDir, 'mail');
  const mail = await startMailSink(mailDir);
  // The payment provider of the run: a fake Stripe on loopback that the workspaces service's client talks to.
  const stripe = await startFakeStripe();
  const gatewayPort = await freePort();
  const adminPort = await freePort();
  const servicePortBase = (await freePort()) % 50_000 + 10_000;
  const stack = await startStack({
    env: {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_NAME: databaseName,
      NATS_URL: TEST_NATS_URL,
      NATS_PREFIX: natsPrefix,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: `${natsPrefix}:`,
      LOG_LEVEL: 'info',
      OPERATOR_TOKEN: `operator-${id}`,
      ADMIN_PORT: String(adminPort),
      // Usage periods that were made due roll over quickly (the rollover tests wait for it).
      USAGE_ROLLOVER_POLL_MS: '500',
      SMTP_URL: mail.url,
      PUBLIC_URL: `http://127.0.0.1:${gatewayPort}`,
      // Cheap password hashing for tests; production refuses this profile.
      PASSWORD_HASH_PROFILE: 'test',
      // Tests speak for many clients through X-Forwarded-For, as a load balancer would.
      TRUST_PROXY: 'true',
      // The suite runs on a shared 2-core machine where a signup can queue for seconds behind other suites; the
      // timeout itself is tested on its own (walking-skeleton, 1 s), so the shared stack waits longer than 5 s.
      RPC_TIMEOUT_MS: '15000',
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_BASE: stripe.url,
      BILLING_GRACE_DAYS: '7',
      // Grace periods that end without any provider event are swept every second, not every minute.
      BILLING_GRACE_SWEEP_MS: '1000',
      // The audit log signs its checkpoints; short intervals so tests see a checkpoint and a closed refusal
      // window without waiting a minute.
      AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
      AUDIT_CHECKPOINT_INTERVAL_MS: '1000',
      AUDIT_REFUSAL_WINDOW_MS: '3000',
    },
    gatewayPort,
    servicePortBase,
    logDir,
  });
  process.env.MNEMO_TEST_GATEWAY_URL = stack.gatewayUrl;
  process.env.MNEMO_TEST_DATABASE_NAME = databaseName;
  process.env.MNEMO_TEST_NATS_PREFIX = natsPrefix;
  process.env.MNEMO_TEST_LOG_DIR = logDir;
  process.env.MNEMO_TEST_OPERATOR_TOKEN = `operator-${id}`;
  process.env.MNEMO_TEST_ADMIN_URL = `http://127.0.0.1:${adminPort}`;
  process.env.MNEMO_TEST_MAIL_DIR = mailDir;
  process.env.MNEMO_TEST_STRIPE_API_BASE = stripe.url;
  process.env.MNEMO_TEST_STRIPE_SECRET_KEY = stripe.secretKey;
  process.env.MNEMO_TEST_STRIPE_WEBHOOK_SECRET = stripe.webhookSecret;
  (globalThis as { __MNEMO_STRIPE__?: unknown }).__MNEMO_STRIPE__ = stripe;
  (globalThis as { __MNEMO_STACK__?: unknown }).__MNEMO_STACK__ = stack;
  (globalThis as { __MNEMO_MAIL__?: unknown }).__MNEMO_MAIL__ = mail;
}
