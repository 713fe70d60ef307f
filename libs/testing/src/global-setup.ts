import { join } from 'node:path';
import { startStack } from '../../../scripts/stack';
import { startMailSink } from './mail-sink';
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
  const gatewayPort = await freePort();
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
      SMTP_URL: mail.url,
      PUBLIC_URL: `http://127.0.0.1:${gatewayPort}`,
      // Cheap password hashing for tests; production refuses this profile.
      PASSWORD_HASH_PROFILE: 'test',
      // Tests speak for many clients through X-Forwarded-For, as a load balancer would.
      TRUST_PROXY: 'true',
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
  process.env.MNEMO_TEST_MAIL_DIR = mailDir;
  (globalThis as { __MNEMO_STACK__?: unknown }).__MNEMO_STACK__ = stack;
  (globalThis as { __MNEMO_MAIL__?: unknown }).__MNEMO_MAIL__ = mail;
}
