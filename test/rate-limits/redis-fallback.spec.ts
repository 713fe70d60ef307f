import { Redis } from 'ioredis';
import { freePort, TEST_REDIS_URL, uniqueId } from '@mnemo/testing';
import type { Logger } from '@mnemo/observability';
import { fallbackStore, RedisFallbackMetric } from '../../apps/gateway/src/rate-limits/fallback-store';
import { loadGatewaySettings } from '../../apps/gateway/src/gateway.settings';
import { call, expectRateLimited, ownClientIp, startGateway, unknownEmail } from './helpers';

/**
 * Redis is where the gateway's counts are shared; when it fails, the gateway counts in its own process
 * (the library's local store) instead of failing requests, and counts each fallback in a metric.
 */
const quietLogger = { warn: () => undefined, info: () => undefined } as unknown as Logger;

function storeOn(redis: Redis | undefined, nameSpace: string) {
  const metric = new RedisFallbackMetric();
  const Store = fallbackStore({ redis, nameSpace, metric, logger: quietLogger, health: { retryAt: 0, degraded: false } });
  const store = new Store({}).child({});
  const incr = (key: string) =>
    new Promise<{ current: number; ttl: number }>((resolve, reject) => store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), 60_000, 10));
  return { metric, incr };
}

function redisClient(url: string): Redis {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 500, commandTimeout: 250 });
  redis.on('error', () => undefined);
  return redis;
}

describe('rate limits when Redis fails', () => {
  it('two replicas share one count through Redis; a replica whose Redis fails counts locally and says so', async () => {
    const nameSpace = `test-${uniqueId()}:`;
    const [redisA, redisB] = [redisClient(TEST_REDIS_URL), redisClient(TEST_REDIS_URL)];
    await Promise.all([redisA.connect(), redisB.connect()]);
    const a = storeOn(redisA, nameSpace);
    const b = storeOn(redisB, nameSpace);
    try {
      expect((await a.incr('k')).current).toBe(1);
      expect((await b.incr('k')).current).toBe(2);
      expect((await a.incr('k')).current).toBe(3);
      expect(a.metric.count + b.metric.count).toBe(0);

      redisB.disconnect();
      // B's own count starts over in its process; the request is served, the fallback counted.
      expect((await b.incr('k')).current).toBe(1);
      expect((await b.incr('k')).current).toBe(2);
      expect(b.metric.count).toBe(2);
      // A still shares through Redis.
      expect((await a.incr('k')).current).toBe(4);
      expect(a.metric.count).toBe(0);
    } finally {
      await redisA.del(`${nameSpace}k`);
      redisA.disconnect();
      redisB.disconnect();
    }
  });

  it('a Redis that is unreachable: counted locally, every decision a fallback', async () => {
    const dead = redisClient(`redis://127.0.0.1:${await freePort()}`);
    await dead.connect().catch(() => undefined);
    const store = storeOn(dead, 'dead:');
    try {
      for (let n = 1; n <= 3; n++) expect((await store.incr('k')).current).toBe(n);
      expect(store.metric.count).toBe(3);
    } finally {
      dead.disconnect();
    }
  });

  it('a gateway process whose Redis is down still serves requests and still enforces its limits', async () => {
    const gateway = await startGateway({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      const { loginPerIp } = loadGatewaySettings({}).limits;
      const ip = ownClientIp();
      for (let i = 0; i < loginPerIp.limit; i++) {
        const response = await call(gateway.url, 'POST', '/v1/auth/login', { ip, body: { email: unknownEmail(), password: 'wrong password!' } });
        expect(response.status).toBe(401);
        expect(Number(response.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(loginPerIp.limit - 1 - i);
      }
      expectRateLimited(await call(gateway.url, 'POST', '/v1/auth/login', { ip, body: { email: unknownEmail(), password: 'wrong password!' } }), loginPerIp);
    } finally {
      await gateway.stop();
    }
  });
});
