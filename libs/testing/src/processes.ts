import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { MnemoConfig } from '@mnemo/contracts';
import { eventually, testStack, TEST_REDIS_URL } from './environment';
import { freePort } from './ports';

export interface FixtureProcess {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves with the first stdout line (from now on, or already seen) that satisfies `match`. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Environment that points an app's config at an isolated database and NATS prefix. */
export function environmentOf(config: MnemoConfig): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: config.databaseUrl,
    DATABASE_NAME: config.databaseName,
    NATS_URL: config.natsUrl,
    NATS_PREFIX: config.natsPrefix,
    LOG_LEVEL: 'silent',
  };
}

/** Runs a compiled fixture from libs/testing/src/fixtures as its own process (the build must be current). */
export function spawnFixture(name: string, env: NodeJS.ProcessEnv): FixtureProcess {
  const script = join(process.cwd(), 'dist', 'libs', 'testing', 'src', 'fixtures', `${name}.js`);
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitForLine(match, timeoutMs = 45_000) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fixture ${name} printed no matching line in ${timeoutMs} ms; got: ${lines.slice(-5).join(' | ')}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** One more gateway process on the test stack (its own caches and local counters), as a second replica. */
export async function startGateway(env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess> {
  const stack = testStack();
  const port = await freePort();
  const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'apps', 'gateway', 'src', 'main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      // Its own admin port, so replicas never contend for the default one.
      ADMIN_PORT: String(await freePort()),
      NATS_URL: stack.config.natsUrl,
      NATS_PREFIX: stack.natsPrefix,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: `${stack.natsPrefix}:`,
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited with code ${child.exitCode} while starting`);
      return (await fetch(`${url}/health`).catch(() => undefined))?.status === 200 ? true : undefined;
    },
    60_000,
    `the gateway on ${url}`,
  );
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
