import { encodeBinding } from '../captcha/captcha-entry.js';
import { newCaptchaId } from '../captcha/captcha-id.js';
import { rethrowAsUnavailable } from '../errors.js';
import type { PoolIssue, PoolReader, PoolWriter } from '../captcha/ports.js';
import type { RedisClient } from './client.js';
import { poolShardTag, type Keyspace } from './keys.js';

/**
 * The prerendered pool as Redis lists, one per shard: workers LPUSH, the API
 * issues from the right. An id issued from a shard starts with the shard's
 * hash tag, so issuing is one script in one slot.
 */
export class RedisPool implements PoolReader, PoolWriter {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async issueFrom(shard: number, binding: string, ttlSeconds: number): Promise<PoolIssue> {
    const id = newCaptchaId(poolShardTag(shard));
    const [entry, remaining] = await this.redis
      .issueFromPoolBuffer(this.keys.poolShard(shard), this.keys.captcha(id), ttlSeconds, encodeBinding(binding))
      .catch(rethrowAsUnavailable);
    return { issued: entry ? { id, entry } : undefined, remaining };
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
