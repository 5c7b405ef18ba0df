import { decodeEntry } from '../shared/domain/captcha/captcha-entry.js';
import { loadConfig } from '../shared/runtime/config.js';
import { openRedisConnection, primariesOf, standaloneRedis, type RedisConnection, type RedisSettings } from '../shared/adapters/redis/connection.js';
import { keyspace } from '../shared/adapters/redis/keys.js';

const DEFAULT_SHARDS = loadConfig({}).poolShards;

/**
 * Reads the answer of an issued captcha straight from Redis, through the
 * project's own key names and entry format: how a test plays the human.
 */
export class CaptchaAnswers {
  private readonly redis: RedisConnection;
  private readonly keys;

  /** Through the product's own connection factory, to a standalone URL or any configured mode. */
  constructor(redis: RedisSettings | string, prefix: string, password = '') {
    this.redis = openRedisConnection(typeof redis === 'string' ? standaloneRedis(redis, password) : redis, { failFast: false });
    this.redis.on('error', () => undefined); // fault tests stop Redis under it on purpose
    this.keys = keyspace(prefix);
  }

  async answerOf(id: string): Promise<string> {
    const stored = await this.redis.getBuffer(this.keys.captcha(id));
    const entry = stored ? decodeEntry(stored) : undefined;
    if (!entry) throw new Error(`no live captcha ${id}`);
    return entry.answer;
  }

  /** Pooled captchas over the first `shards` shards (by default, as many as POOL_SHARDS has by default). */
  async poolDepth(shards = DEFAULT_SHARDS): Promise<number> {
    const depths = await Promise.all(Array.from({ length: shards }, (_, shard) => this.redis.llen(this.keys.poolShard(shard))));
    return depths.reduce((sum, depth) => sum + depth, 0);
  }

  /** The ids of the captchas waiting in the pool (over the first `shards` shards). */
  async pooledIds(shards = DEFAULT_SHARDS): Promise<string[]> {
    const lists = await Promise.all(Array.from({ length: shards }, (_, shard) => this.redis.lrange(this.keys.poolShard(shard), 0, -1)));
    return lists.flat();
  }

  async ttlOf(id: string): Promise<number> {
    return this.redis.ttl(this.keys.captcha(id));
  }

  /** Every key of this prefix with its TTL in seconds (-1: none). */
  async keysWithTtl(prefix: string): Promise<{ key: string; ttl: number }[]> {
    const found: { key: string; ttl: number }[] = [];
    await this.redis.ping(); // a Cluster knows its primaries once connected
    // On a Cluster every primary holds some of the keys: scan each one.
    for (const primary of primariesOf(this.redis)) {
      for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await primary.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          for (const key of keys) found.push({ key, ttl: await this.redis.ttl(key) });
        } while (cursor !== '0');
      }
    }
    return found;
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
