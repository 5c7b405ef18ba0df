/**
 * What both load benchmarks start from: the services' environment, real
 * renders by a worker, and a pool filled ahead with copies of them.
 */
import type { Redis } from 'ioredis';
import { createRedisClient } from '../shared/adapters/redis/client.js';
import { standaloneRedis } from '../shared/adapters/redis/connection.js';
import type { Keyspace } from '../shared/adapters/redis/keys.js';
import { pooledEntries, RedisPool } from '../shared/adapters/redis/redis-pool.js';
import { spawnService } from '../tooling/service-processes.js';
import { waitFor } from '../tooling/wait-for.js';

export const BENCH_SHARDS = 4;

/** The services' settings for a run on its own Redis and key prefix, with a pool filled ahead of the load. */
export function benchServiceEnv(redisUrl: string, prefix: string, tokenSecret: string): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    KEY_PREFIX: prefix,
    TOKEN_SECRET: tokenSecret,
    POOL_SHARDS: String(BENCH_SHARDS),
    // The load runs on a pre-filled pool; a low watermark of one keeps refills off the measured path.
    POOL_TARGET_SIZE: '400000',
    POOL_LOW_WATERMARK: '4',
    LOG_LEVEL: 'warn',
  };
}

/** Pooled captchas in all shards. */
export async function poolDepth(redis: Redis, keys: Keyspace): Promise<number> {
  const depths = await Promise.all(Array.from({ length: BENCH_SHARDS }, (_, shard) => redis.llen(keys.poolShard(shard))));
  return depths.reduce((a, b) => a + b, 0);
}

/** Has a worker render `count` captchas into the pool (as in production) and returns up to `keep` of them, encoded. */
export async function renderWithWorker(redis: Redis, keys: Keyspace, env: Record<string, string>, count: number, keep: number): Promise<Buffer[]> {
  const worker = spawnService('worker', { ...env, POOL_TARGET_SIZE: String(count), POOL_LOW_WATERMARK: String(Math.floor(count / 2)) });
  await waitFor(async () => (await poolDepth(redis, keys)) >= count, 120_000, 'the worker to warm the pool');
  await worker.stop('SIGTERM');
  return (await pooledEntries(redis, keys, 0)).slice(0, keep);
}

/** Pools `count` copies of the rendered entries through the pool adapter, as a worker writes: each under its own id, the ids on the shard's list. */
export async function fillPool(redisUrl: string, keys: Keyspace, rendered: readonly Buffer[], count: number): Promise<void> {
  const client = createRedisClient(standaloneRedis(redisUrl), { failFast: false });
  const pool = new RedisPool(client, keys);
  try {
    for (let batch = 0; batch < count; batch += 1000) {
      await Promise.all(
        Array.from({ length: BENCH_SHARDS }, (_, shard) =>
          pool.push(shard, Array.from({ length: 250 }, (_, i) => rendered[(batch + i) % rendered.length] ?? Buffer.alloc(0))),
        ),
      );
    }
  } finally {
    await client.quit();
  }
}
