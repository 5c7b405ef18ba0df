import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectRedis, createRedisClient, type RedisClient } from '../../shared/adapters/redis/client.js';
import { keyspace } from '../../shared/adapters/redis/keys.js';
import { RedisClientSignals, RedisUsedPuzzles } from '../../shared/adapters/redis/redis-pow.js';
import { testConfig } from '../support/test-config.js';

const WINDOW = 60_000;
const counts = (challenge: number, failure = 0, fast = 0) => ({ challenge, failure, fast });

describe('proof-of-work state in Redis', () => {
  let redis: RedisClient;
  const keys = keyspace(`t${randomBytes(6).toString('hex')}`);
  let signals: RedisClientSignals;
  let used: RedisUsedPuzzles;

  beforeAll(async () => {
    redis = createRedisClient(testConfig(inject('redisUrl')), { failFast: true });
    await connectRedis(redis);
    signals = new RedisClientSignals(redis, keys);
    used = new RedisUsedPuzzles(redis, keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('marks a puzzle used once, among many at once, until it would have expired', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => used.markUsed('ab'.repeat(16), 30)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const ttl = await redis.ttl(keys.usedPuzzle('ab'.repeat(16)));
    expect(ttl).toBeGreaterThan(25);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it('counts a client\'s signals in two fixed windows and shifts them as time moves on', async () => {
    const client = '198.51.100.7';
    const start = 1000 * WINDOW;
    await signals.record(client, 'challenge', start, WINDOW);
    await signals.record(client, 'challenge', start + 10, WINDOW);
    expect(await signals.record(client, 'failure', start + 20, WINDOW)).toEqual({ current: counts(2, 1), previous: counts(0) });
    expect(await signals.record(client, 'fast', start + WINDOW, WINDOW)).toEqual({ current: counts(0, 0, 1), previous: counts(2, 1) });
    // A pod whose clock lags a little counts in the newer window rather than resetting it.
    expect(await signals.record(client, 'challenge', start + WINDOW - 5, WINDOW)).toEqual({ current: counts(1, 0, 1), previous: counts(2, 1) });
    expect(await signals.record(client, undefined, start + 5 * WINDOW, WINDOW)).toEqual({ current: counts(0), previous: counts(0) });
    const pttl = await redis.pttl(keys.clientSignals(client));
    expect(pttl).toBeGreaterThan(WINDOW);
    expect(pttl).toBeLessThanOrEqual(2 * WINDOW);
    expect(await redis.hlen(keys.clientSignals(client))).toBe(7);
  });

  it('writes nothing when it only reads', async () => {
    expect(await signals.record('203.0.113.5', undefined, Date.now(), WINDOW)).toEqual({ current: counts(0), previous: counts(0) });
    expect(await redis.exists(keys.clientSignals('203.0.113.5'))).toBe(0);
  });
});
