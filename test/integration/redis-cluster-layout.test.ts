import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../shared/runtime/config.js';
import { connectRedis, createRedisClient, type RedisClient } from '../../shared/adapters/redis/client.js';
import { keyspace } from '../../shared/adapters/redis/keys.js';
import { testConfig } from '../support/test-config.js';

/** Runs in the integration-cluster project only: how the keyspace lies on a real 3-primary Cluster. */
describe.skipIf(!inject('redisClusterNodes'))('keys on a real Redis Cluster', () => {
  let redis: RedisClient;

  beforeAll(async () => {
    redis = createRedisClient(testConfig(inject('redisUrl')), { failFast: true });
    await connectRedis(redis);
  });
  afterAll(() => redis.quit());

  it('connects in Cluster mode and sees 3 primaries', () => {
    expect(redis).toBeInstanceOf(Cluster);
    expect((redis as Cluster).nodes('master')).toHaveLength(3);
  });

  it('spreads the default POOL_SHARDS pool shards over every primary (6/5/5 for 16)', async () => {
    const shards = loadConfig({}).poolShards;
    const keys = keyspace('captcha');
    const ranges = await redis.cluster('SLOTS');
    const perPrimary = new Map<number, number>();
    for (let shard = 0; shard < shards; shard++) {
      const slot = await redis.cluster('KEYSLOT', keys.poolShard(shard));
      const owner = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1];
      expect(owner).toBeDefined();
      perPrimary.set(owner!, (perPrimary.get(owner!) ?? 0) + 1);
    }
    const counts = [...perPrimary.values()].sort((a, b) => b - a);
    console.log(`${shards} pool shards over the Cluster's primaries: ${counts.join('/')}`);
    expect(counts).toHaveLength(3);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});
