import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../tooling/redis-server.js';
import { spawnService, type ServiceName } from '../../tooling/service-processes.js';

/** Milliseconds after a service's first line of output at which it gets SIGTERM: from mid start-up to just after. */
const DELAYS_MS = [0, 5, 20, 50, 100];

describe('a service stopped with SIGTERM at any point of its start-up', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  it.each(['worker', 'api'] as ServiceName[])('%s: exits 0, having started and stopped cleanly', async (name) => {
    for (const delay of DELAYS_MS) {
      const service = spawnService(name, {
        REDIS_URL: redis.url,
        KEY_PREFIX: `sd${randomBytes(4).toString('hex')}`,
        TOKEN_SECRET: randomBytes(32).toString('hex'),
        PORT: '0',
        // Many shards: the worker is still queueing its first refills when the signal comes.
        POOL_SHARDS: '64',
        POOL_TARGET_SIZE: '6400',
      });
      await once(service.child.stdout ?? service.child, 'data');
      await new Promise((resolve) => setTimeout(resolve, delay));
      expect(await service.stop('SIGTERM'), `${name}, SIGTERM ${delay} ms after its first output:\n${service.output()}`).toBe(0);
    }
  });
});
