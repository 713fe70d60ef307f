/**
 * A full stack for the memory benchmarks (the five apps from dist/, as `npm start` runs them) on its own
 * database, NATS prefix and Redis prefix, with every request limit and plan quota raised out of the way, a
 * signed-up user and an API key of its personal workspace. The gateway waits up to 30 s for a service's answer
 * (RPC_TIMEOUT_MS; 5 s by default), so requests queued at high concurrency are measured, not refused.
 * `stop` removes everything it created.
 */
import http from 'node:http';
import { join } from 'node:path';
import { loadConfig, type MnemoConfig } from '@mnemo/contracts';
import { adminConnectionUrl, roleConnectionUrl, serviceDatabase } from '@mnemo/event-store';
import { cleanUpIsolated, freePort, TEST_DATABASE_URL, TEST_NATS_URL, uniqueId } from '@mnemo/testing';
import { startStack, type RunningStack } from '../scripts/stack';
import { benchStackEnvironment, freeServicePortBase } from './gateway-auth';
import { describe } from './harness';

const UNLIMITED = '1000000000';

/** Included units of every plan raised too: a benchmark writes and searches far beyond the free plan's month. */
const QUOTA_ENV: Record<string, string> = Object.fromEntries(
  ['FREE', 'PRO', 'TEAM'].flatMap((plan) => ['WRITES', 'RETRIEVES'].map((unit) => [`PLAN_${plan}_${unit}`, UNLIMITED])),
);

export interface MemoryBenchStack {
  stack: RunningStack;
  base: string;
  config: MnemoConfig;
  workspaceId: number;
  /** An API key with memory:read and memory:write for the workspace. */
  key: string;
  /** The memory service's tables, as its app role (what the service itself connects as). */
  memoryAppUrl: string;
  /** The same database as the administrator (COPY from the client, ANALYZE). */
  adminUrl: string;
  /** Another user's personal workspace and a read/write key for it. */
  addWorkspace(): Promise<{ workspaceId: number; key: string }>;
  stop(): Promise<void>;
}

async function call<T = any>(base: string, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function startMemoryBenchStack(log: (line: string) => void): Promise<MemoryBenchStack> {
  const id = uniqueId();
  const databaseName = `mnemo_bench_${id}`;
  const natsPrefix = `bench_${id}`;
  const logDir = join(process.cwd(), '.data', 'bench-logs', id);
  const config = loadConfig('memory', { DATABASE_URL: TEST_DATABASE_URL, DATABASE_NAME: databaseName, NATS_URL: TEST_NATS_URL, NATS_PREFIX: natsPrefix, LOG_LEVEL: 'silent' });
  const gatewayPort = await freePort();
  const servicePortBase = await freeServicePortBase(gatewayPort);
  log(`  starting the stack: database ${databaseName}, NATS prefix ${natsPrefix}, gateway on 127.0.0.1:${gatewayPort}, logs in ${logDir}`);
  const t0 = Date.now();
  let stack: RunningStack | undefined;
  const stop = async () => {
    if (stack) await stack.stop().catch((error) => log(`  stopping the stack failed: ${describe(error)}`));
    await cleanUpIsolated(config).catch((error) => log(`  cleanup of ${databaseName} failed: ${describe(error)}`));
  };
  try {
    stack = await startStack({
      env: benchStackEnvironment(
        { databaseName, natsPrefix, redisPrefix: `${natsPrefix}:`, gatewayPort },
        {
          ELASTICSEARCH_URL: undefined,
          // Requests queue behind each other at high concurrency on a busy machine: measure them, do not time them out.
          RPC_TIMEOUT_MS: '30000',
          ...QUOTA_ENV,
        },
      ),
      gatewayPort,
      servicePortBase,
      logDir,
      rootDir: process.cwd(),
      readyTimeoutMs: 120_000,
    });
    const base = stack.gatewayUrl;
    log(`  stack ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    let users = 0;
    const addWorkspace = async () => {
      const n = users++;
      const signup = await call<{ token: string; workspace: { workspace_id: number } }>(base, 'POST', '/v1/auth/signup', {
        body: { email: `bench-${id}-${n}@example.com`, password: `bench-password-${id}` },
      });
      if (signup.status !== 201) throw new Error(`signup answered ${signup.status}: ${JSON.stringify(signup.body)}`);
      const workspaceId = signup.body.workspace.workspace_id;
      const minted = await call<{ key: string }>(base, 'POST', `/v1/workspaces/${workspaceId}/api-keys`, {
        token: signup.body.token,
        body: { name: 'bench', scopes: ['memory:read', 'memory:write'] },
      });
      if (minted.status !== 201) throw new Error(`API key creation answered ${minted.status}: ${JSON.stringify(minted.body)}`);
      return { workspaceId, key: minted.body.key };
    };
    const { workspaceId, key } = await addWorkspace();
    return {
      stack,
      base,
      config,
      workspaceId,
      key,
      addWorkspace,
      memoryAppUrl: roleConnectionUrl(config, serviceDatabase('memory').appRole),
      adminUrl: adminConnectionUrl(config),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A JSON request over a keep-alive agent (node:http: cheaper per request than fetch, so the client takes less of
 * the CPU the stack needs). Resolves with the parsed body of a 2xx answer, rejects with anything else.
 */
export function jsonRequest(agent: http.Agent, url: URL, method: string, headers: Record<string, string>, body?: unknown): Promise<any> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new Error(`${method} ${url.pathname} answered ${status}: ${text.slice(0, 300)}`));
          else resolve(text ? JSON.parse(text) : undefined);
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
