import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMON_OPERATIONS, loadConfig, MAX_NATS_PAYLOAD_BYTES } from '@mnemo/contracts';
import { cleanUpIsolated, connectTestRpc, eventually, freePort, isolatedConfig, testStack, TEST_DATABASE_URL } from '@mnemo/testing';
import { MAX_NATS_BODY_BYTES } from '@mnemo/messaging';
import { createGatewayApp } from '../apps/gateway/src/gateway.app';

function logLines(app: string): Record<string, unknown>[] {
  return readFileSync(join(testStack().logDir, `${app}.log`), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

describe('walking skeleton', () => {
  it('reaches all four services over NATS through the gateway', async () => {
    const response = await fetch(`${testStack().gatewayUrl}/health/services`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ services: { identity: 'ok', workspaces: 'ok', memory: 'ok', scheduler: 'ok' } });
  });

  it('carries one trace id from the gateway log to the logs of every service it called', async () => {
    const response = await fetch(`${testStack().gatewayUrl}/health/services`);
    const requestId = response.headers.get('x-request-id');
    // Request ids are UUIDv7, set by the gateway and echoed in X-Request-Id.
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const gatewayLine = await eventually(async () => logLines('gateway').find((line) => line.request_id === requestId && line.msg === 'request'), 5000, 'the gateway request log line');
    const traceId = gatewayLine.trace_id as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const service of ['identity', 'workspaces', 'memory', 'scheduler']) {
      const line = await eventually(async () => logLines(service).find((l) => l.trace_id === traceId), 5000, `${service} log line with the trace id`);
      expect(line).toMatchObject({ rpc: `rpc.${service}.health`, request_id: requestId });
    }
  });

  it('refuses an RPC payload that would pass 1 MiB with its headers before sending it', async () => {
    const rpc = await connectTestRpc(2000);
    try {
      expect(MAX_NATS_BODY_BYTES).toBeLessThan(MAX_NATS_PAYLOAD_BYTES);
      // A body just over the allowance: under 1 MiB alone, but not with the headers the server counts too.
      const reply = await rpc.call('identity', COMMON_OPERATIONS.health, { blob: 'x'.repeat(MAX_NATS_BODY_BYTES) });
      expect(reply).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', details: { limit: MAX_NATS_BODY_BYTES } } });
      expect(await rpc.call('identity', COMMON_OPERATIONS.health, { blob: 'x'.repeat(1000) })).toEqual({ ok: true, data: { service: 'identity', status: 'ok' } });
    } finally {
      await rpc.close();
    }
  });

  it('stays ready when services are down, and says which ones', async () => {
    const lonely = await createGatewayApp(loadConfig('gateway', { NATS_PREFIX: `nobody_${Date.now()}`, LOG_LEVEL: 'silent', RPC_TIMEOUT_MS: '1000' }));
    try {
      await lonely.app.listen(0, '127.0.0.1');
      const base = (await lonely.app.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      const services = (await (await fetch(`${base}/health/services`)).json()) as { services: Record<string, string> };
      expect(Object.keys(services.services).sort()).toEqual(['identity', 'memory', 'scheduler', 'workspaces']);
      for (const status of Object.values(services.services)) expect(status).toMatch(/^UNAVAILABLE/);
    } finally {
      await lonely.stop();
    }
  });

  it('`npm start` brings up the five processes, answers, and stops cleanly on SIGTERM', async () => {
    const isolated = isolatedConfig('gateway');
    const port = await freePort();
    const databaseUrl = new URL(TEST_DATABASE_URL);
    databaseUrl.pathname = `/${isolated.databaseName}`;
    const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'scripts', 'start.js')], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl.toString(),
        NATS_PREFIX: isolated.natsPrefix,
        PORT: String(port),
        SERVICE_PORT_BASE: String(port + 100),
        MNEMO_DATA_DIR: mkdtempSync(join(tmpdir(), 'mnemo-start-')),
        PASSWORD_HASH_PROFILE: 'test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a failed test can stop the five apps it started too.
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 150_000;
      while (!output.includes('Mnemo is ready')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not become ready; its output ends with:\n${output.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(output).toContain(`http://127.0.0.1:${port}/docs`);
      const demoKey = /demo key: (mnemo_[0-9A-Za-z]+)/.exec(output)?.[1];
      expect(demoKey).toBeDefined();
      const whoami = await fetch(`http://127.0.0.1:${port}/v1/auth/whoami`, { headers: { authorization: `Bearer ${demoKey}` } });
      expect(whoami.status).toBe(200);
      for (const app of ['identity', 'workspaces', 'memory', 'scheduler', 'gateway']) expect(output).toContain(`[${app}]`);
      const response = await fetch(`http://127.0.0.1:${port}/health/services`);
      expect(await response.json()).toEqual({ services: { identity: 'ok', workspaces: 'ok', memory: 'ok', scheduler: 'ok' } });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await cleanUpIsolated(isolated);
    }
  }, 240_000);
});
