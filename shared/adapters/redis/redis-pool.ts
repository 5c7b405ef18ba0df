import { checkBinding } from '../../domain/captcha/captcha-entry.js';
import { newCaptchaId } from '../../domain/captcha/captcha-id.js';
import { rethrowAsUnavailable } from '../../domain/errors.js';
import type { PoolIssue, PoolReader, PoolWriter } from '../../domain/captcha/ports.js';
import type { RedisClient } from './client.js';
import type { RedisConnection } from './connection.js';
import { CAPTCHA_TAG_LENGTH, poolShardTag, type Keyspace } from './keys.js';

/**
 * The prerendered pool. A worker stores each captcha under its final,
 * random id (no time to live while pooled) and pushes the id onto its
 * shard's list; issuing pops an id from the right, starts the captcha's time
 * to live and appends the binding, so nothing is copied. Ids start with the
 * shard's hash tag, so a shard's list and its captchas share a Cluster slot,
 * and pushing and issuing stay within it.
 */
export class RedisPool implements PoolReader, PoolWriter {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async issueFrom(shard: number, binding: string, ttlSeconds: number, withEntry: boolean): Promise<PoolIssue> {
    const shardKey = this.keys.poolShard(shard);
    const { captchaKeyPrefix } = this.keys;
    // The binding goes as text (Redis appends its UTF-8 bytes); only a reply that carries the PNG needs binary decoding.
    try {
      if (!withEntry) {
        const [id, remaining] = await this.redis.issuePooled(shardKey, ttlSeconds, checkBinding(binding), captchaKeyPrefix, CAPTCHA_TAG_LENGTH, '0');
        return { issued: id === null ? undefined : { id }, remaining };
      }
      const [id, remaining, entry] = await this.redis.issuePooledBuffer(shardKey, ttlSeconds, checkBinding(binding), captchaKeyPrefix, CAPTCHA_TAG_LENGTH, '1');
      return { issued: id === null ? undefined : { id: id.toString('latin1'), ...(entry ? { entry } : {}) }, remaining };
    } catch (error) {
      return rethrowAsUnavailable(error);
    }
  }

  async depth(shard: number): Promise<number> {
    return this.redis.llen(this.keys.poolShard(shard));
  }

  async depths(shards: number): Promise<number[]> {
    return Promise.all(Array.from({ length: shards }, (_, shard) => this.depth(shard)));
  }

  /** Stores each entry under a fresh id and queues the ids, in one transaction: a pooled id always has its captcha. */
  async push(shard: number, entries: readonly Buffer[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = entries.map(() => newCaptchaId(poolShardTag(shard)));
    const transaction = this.redis.multi();
    entries.forEach((entry, index) => transaction.set(this.keys.captcha(ids[index] ?? ''), entry));
    transaction.lpush(this.keys.poolShard(shard), ...ids);
    const replies = await transaction.exec();
    const failed = replies?.find(([error]) => error);
    if (!replies || failed) throw failed?.[0] ?? new Error('the pool transaction was aborted');
  }

  /** The entries waiting in a shard, oldest last: for tools and tests that look into the pool. */
  entries(shard: number): Promise<Buffer[]> {
    return pooledEntries(this.redis, this.keys, shard);
  }
}

/** The entries waiting in a shard, oldest last, read over any connection (a tool's or a test's). */
export async function pooledEntries(redis: RedisConnection, keys: Keyspace, shard: number): Promise<Buffer[]> {
  const ids = await redis.lrange(keys.poolShard(shard), 0, -1);
  const values = await Promise.all(ids.map((id) => redis.getBuffer(keys.captcha(id))));
  return values.flatMap((value) => (value ? [value] : []));
}
