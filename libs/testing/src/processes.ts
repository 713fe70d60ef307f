import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { MnemoConfig } from '@mnemo/contracts';

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
    waitForLine(match, timeoutMs = 15_000) {
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
