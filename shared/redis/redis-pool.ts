import { rethrowAsUnavailable } from '../errors.js';
import type { PoolReader, PoolTake, PoolWriter } from '../captcha/ports.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

/** The prerendered pool as Redis lists, one per shard: workers LPUSH, the API takes from the right. */
export class RedisPool implements PoolReader, PoolWriter {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async take(shard: number): Promise<PoolTake> {
    const [entry, remaining] = await this.redis
      .takeFromPoolBuffer(this.keys.poolShard(shard))
      .catch(rethrowAsUnavailable);
    return { entry: entry ?? undefined, remaining };
  }

  async depth(shard: number): Promise<number> {
    return this.redis.llen(this.keys.poolShard(shard));
  }

  async depths(shards: number): Promise<number[]> {
    return Promise.all(Array.from({ length: shards }, (_, shard) => this.depth(shard)));
  }

  async push(shard: number, entries: readonly Buffer[]): Promise<void> {
    if (entries.length > 0) await this.redis.lpush(this.keys.poolShard(shard), ...entries);
  }
}
