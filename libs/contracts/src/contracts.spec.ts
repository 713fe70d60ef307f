import { ConfigError, loadConfig } from './config';
import { ERROR_CODES, HTTP_STATUS_BY_CODE, MnemoError } from './errors';
import { NatsNames, rpcPattern } from './subjects';
import { overageCents, periodUnitCap, planLimits } from './plans';

describe('configuration', () => {
  it('has documented defaults', () => {
    const config = loadConfig('gateway', {});
    expect(config).toMatchObject({ port: 3000, adminPort: 3001, natsPrefix: 'mnemo', natsUrl: 'nats://127.0.0.1:4222', databaseName: 'mnemo', logLevel: 'info' });
    expect(config.redisUrl).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig('identity', { SMTP_URL: '', REDIS_URL: '', PORT: '' })).toMatchObject({ smtpUrl: undefined, redisUrl: undefined, port: 3000 });
  });

  it('reads ELASTICSEARCH_URL (http or https) for the memory service, unset by default', () => {
    expect(loadConfig('memory', {}).elasticsearchUrl).toBeUndefined();
    expect(loadConfig('memory', { ELASTICSEARCH_URL: '' }).elasticsearchUrl).toBeUndefined();
    expect(loadConfig('memory', { ELASTICSEARCH_URL: 'https://es.internal:9200' }).elasticsearchUrl).toBe('https://es.internal:9200');
  });

  it.each([
    ['PORT', { PORT: '70000' }],
    ['NATS_URL', { NATS_URL: 'http://127.0.0.1:4222' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['NATS_PREFIX', { NATS_PREFIX: 'has.dots' }],
    ['RPC_TIMEOUT_MS', { RPC_TIMEOUT_MS: '0' }],
    ['ELASTICSEARCH_URL', { ELASTICSEARCH_URL: 'elastic.local:9200' }],
  ])('fails fast naming %s when it is invalid', (variable, env) => {
    expect(() => loadConfig('gateway', env)).toThrow(ConfigError);
    expect(() => loadConfig('gateway', env)).toThrow(variable);
  });
});

describe('error codes', () => {
  it('map to the statuses of API.md in one table', () => {
    expect(HTTP_STATUS_BY_CODE).toEqual({
      VALIDATION_ERROR: 400,
      UNAUTHORIZED: 401,
      PAYMENT_REQUIRED: 402,
      FORBIDDEN: 403,
      OWNER_ONLY: 403,
      WORKSPACE_SUSPENDED: 403,
      PLAN_UPGRADE_REQUIRED: 403,
      NOT_FOUND: 404,
      CONFLICT: 409,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      IDEMPOTENCY_MISMATCH: 422,
      RATE_LIMITED: 429,
      LIMIT_REACHED: 429,
      INTERNAL: 500,
      UNAVAILABLE: 503,
    });
    expect(Object.keys(HTTP_STATUS_BY_CODE).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('travel as plain values', () => {
    expect(new MnemoError('NOT_FOUND', 'no such space').toBody()).toEqual({ code: 'NOT_FOUND', message: 'no such space' });
    expect(new MnemoError('CONFLICT', 'busy', { reason: 'in_progress' }).toBody()).toEqual({ code: 'CONFLICT', message: 'busy', details: { reason: 'in_progress' } });
  });
});

describe('NATS names', () => {
  const names = new NatsNames('mnemo');

  it('prefix every subject, stream and consumer', () => {
    expect(names.rpc('workspaces', 'createPersonalWorkspace')).toBe('mnemo.rpc.workspaces.createPersonalWorkspace');
    expect(names.event('workspaces', 'workspace', 'suspended')).toBe('mnemo.workspaces.workspace.suspended');
    expect(names.eventOfType('workspaces', 'workspace.deleted')).toBe('mnemo.workspaces.workspace.deleted');
    expect(() => names.eventOfType('memory', 'purged')).toThrow('<aggregate>.<event>');
    expect(names.eventStream('memory')).toEqual({ name: 'mnemo_memory', subjects: ['mnemo.memory.>'], kind: 'events' });
    expect(names.deadLetterSubject('memory', 'audit')).toBe('mnemo.dlq.memory.audit');
    expect(names.durable('gateway', 'key.cache')).toBe('mnemo_gateway_key_cache');
    expect(names.allStreams().map((s) => s.name)).toEqual(['mnemo_identity', 'mnemo_workspaces', 'mnemo_memory', 'mnemo_scheduler', 'mnemo_dlq']);
    expect(`mnemo.${rpcPattern('identity', 'health')}`).toBe(names.rpc('identity', 'health'));
  });

  it('refuses a prefix that would break subjects', () => {
    expect(() => new NatsNames('a.b')).toThrow('NATS_PREFIX');
    expect(() => new NatsNames('')).toThrow('NATS_PREFIX');
  });
});

describe('plan unit caps', () => {
  it('free admits exactly its included units; pro adds what each unit kind’s share of the $100 cap pays for', () => {
    expect(periodUnitCap(planLimits('free', {}), 'writes')).toBe(10_000);
    expect(periodUnitCap(planLimits('free', {}), 'retrieves')).toBe(50_000);
    // pro: 250,000 included writes + $50 (half of the cap) at 40 cents per 1,000 = 125,000 more.
    expect(periodUnitCap(planLimits('pro', {}), 'writes')).toBe(375_000);
    // pro: 1,000,000 included retrieves + $30 at 10 cents per 1,000 = 300,000 more.
    expect(periodUnitCap(planLimits('pro', {}), 'retrieves')).toBe(1_300_000);
    // pro: 10,000 included runs + $20 at $2 per 1,000 = 10,000 more.
    expect(periodUnitCap(planLimits('pro', {}), 'runs')).toBe(20_000);
  });

  it('all kinds at their caps cost at most the cost cap, never more', () => {
    for (const plan of ['pro', 'team'] as const) {
      const limits = planLimits(plan, {});
      const atCaps = { writes: periodUnitCap(limits, 'writes'), retrieves: periodUnitCap(limits, 'retrieves'), runs: periodUnitCap(limits, 'runs') };
      expect(overageCents(limits, atCaps)).toBeLessThanOrEqual(limits.pricing!.costCapCents);
      expect(overageCents(limits, atCaps)).toBeGreaterThan(limits.pricing!.costCapCents * 0.99);
    }
    expect(overageCents(planLimits('pro', {}), { writes: 251_000, retrieves: 0, runs: 0 })).toBe(40);
    expect(overageCents(planLimits('free', {}), { writes: 20_000, retrieves: 0, runs: 0 })).toBe(0);
  });
});
