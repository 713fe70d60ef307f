import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { AppName } from '@mnemo/contracts';

/**
 * Starts Mnemo's five apps as separate processes from the compiled `dist/`, and stops them. Used by
 * `npm start` and by the test run's global setup, so both run the same thing.
 */
export const APPS: AppName[] = ['identity', 'workspaces', 'memory', 'scheduler', 'gateway'];

export interface StackOptions {
  /** Environment shared by every app (DATABASE_URL, NATS_URL, NATS_PREFIX, ...). */
  env: NodeJS.ProcessEnv;
  gatewayPort: number;
  /** Health ports of the four services: base + 1, + 2, ... */
  servicePortBase: number;
  /** Where each app's stdout/stderr goes: a folder of `<app>.log` files, or this process's output. */
  logDir?: string;
  rootDir?: string;
  /** How long to wait for `/health/services` to answer all ok. */
  readyTimeoutMs?: number;
}

export interface RunningStack {
  gatewayUrl: string;
  processes: Map<AppName, ChildProcess>;
  ports: Record<AppName, number>;
  /** Restarts one app (after a kill, say) with the same settings. */
  start(app: AppName): ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function prefixLines(prefix: string, out: NodeJS.WritableStream): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) out.write(`${prefix} ${line}\n`);
  };
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const root = options.rootDir ?? process.cwd();
  const ports = {} as Record<AppName, number>;
  APPS.forEach((app, index) => (ports[app] = app === 'gateway' ? options.gatewayPort : options.servicePortBase + index + 1));
  const processes = new Map<AppName, ChildProcess>();
  const logs = new Map<AppName, WriteStream>();
  if (options.logDir) mkdirSync(options.logDir, { recursive: true });

  const start = (app: AppName): ChildProcess => {
    const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist', 'apps', app, 'src', 'main.js')], {
      cwd: root,
      env: { ...process.env, ...options.env, PORT: String(ports[app]) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (options.logDir) {
      let log = logs.get(app);
      if (!log) {
        log = createWriteStream(join(options.logDir, `${app}.log`), { flags: 'a' });
        logs.set(app, log);
      }
      child.stdout!.pipe(log, { end: false });
      child.stderr!.pipe(log, { end: false });
    } else {
      child.stdout!.on('data', prefixLines(`[${app}]`, process.stdout));
      child.stderr!.on('data', prefixLines(`[${app}]`, process.stderr));
    }
    processes.set(app, child);
    return child;
  };

  for (const app of APPS) start(app);
  const gatewayUrl = `http://127.0.0.1:${options.gatewayPort}`;
  const stack: RunningStack = {
    gatewayUrl,
    processes,
    ports,
    start,
    async stop(signal = 'SIGTERM') {
      await Promise.all(
        [...processes.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill(signal);
            }),
        ),
      );
      for (const log of logs.values()) log.end();
    },
  };
  try {
    await waitForServices(gatewayUrl, processes, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await stack.stop('SIGKILL');
    throw error;
  }
  return stack;
}

/** Polls the gateway's `/health/services` until every service answers ok over NATS. */
export async function waitForServices(gatewayUrl: string, processes: Map<AppName, ChildProcess>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    for (const [app, child] of processes) {
      if (child.exitCode !== null) throw new Error(`${app} exited with code ${child.exitCode} while starting`);
    }
    try {
      const response = await fetch(`${gatewayUrl}/health/services`);
      const body = (await response.json()) as { services?: Record<string, string> };
      last = JSON.stringify(body);
      if (body.services && Object.values(body.services).every((status) => status === 'ok')) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the stack did not become ready in ${timeoutMs} ms: ${last}`);
}
