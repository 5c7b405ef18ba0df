import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeEntry, encodeEntry } from '../../shared/captcha/captcha-entry.js';
import { connectRedis, createRedisClient, type RedisClient } from '../../shared/redis/client.js';
import { keyspace, poolShardTag } from '../../shared/redis/keys.js';
import { RedisIssuedCaptchas } from '../../shared/redis/redis-issued-captchas.js';
import { RedisPool } from '../../shared/redis/redis-pool.js';
import { testConfig } from '../support/test-config.js';

const pooled = (answer: string): Buffer => encodeEntry({ answer, difficulty: 'normal', png: Buffer.from(`png of ${answer}`), binding: '' });

describe('Redis pool and issued captchas', () => {
  let redis: RedisClient;
  const keys = keyspace(`t${randomBytes(6).toString('hex')}`);
  let pool: RedisPool;
  let issued: RedisIssuedCaptchas;

  beforeAll(async () => {
    redis = createRedisClient(testConfig(inject('redisUrl')), { failFast: true });
    await connectRedis(redis);
    pool = new RedisPool(redis, keys);
    issued = new RedisIssuedCaptchas(redis, keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('issues nothing from an empty shard and writes no captcha key', async () => {
    expect(await pool.issueFrom(0, '', 300)).toEqual({ issued: undefined, remaining: 0 });
    expect(await redis.keys(`${keys.prefix}:captcha:*`)).toEqual([]);
  });

  it('moves the oldest entry to an id tagged for its shard, with binding and time to live, in one step', async () => {
    await pool.push(3, [pooled('AAAAAA'), pooled('CCCCCC'), pooled('EEEEEE')]);
    const { issued: first, remaining } = await pool.issueFrom(3, '["site","https://a.example"]', 120);
    expect(remaining).toBe(2);
    expect(first?.id).toMatch(new RegExp(`^${poolShardTag(3)}[0-9a-f]{36}$`));
    expect(first?.entry.equals(pooled('AAAAAA'))).toBe(true);
    const stored = decodeEntry((await issued.read(first?.id ?? '')) ?? Buffer.alloc(0));
    expect(stored).toEqual({ answer: 'AAAAAA', difficulty: 'normal', png: Buffer.from('png of AAAAAA'), binding: '["site","https://a.example"]' });
    const ttl = await redis.ttl(keys.captcha(first?.id ?? ''));
    expect(ttl).toBeGreaterThan(115);
    expect(ttl).toBeLessThanOrEqual(120);
    expect(decodeEntry((await issued.take(first?.id ?? '')) ?? Buffer.alloc(0))?.answer).toBe('AAAAAA');
    expect(await issued.take(first?.id ?? '')).toBeUndefined();
  });

  it('hands each pooled entry to exactly one of many concurrent issuers', async () => {
    const answers = Array.from({ length: 100 }, (_, i) => `A${String(i).padStart(5, '0')}`);
    await pool.push(1, answers.map(pooled));
    const results = await Promise.all(Array.from({ length: 250 }, () => pool.issueFrom(1, '', 300)));
    const winners = results.flatMap((r) => (r.issued ? [r.issued] : []));
    expect(winners).toHaveLength(100);
    expect(new Set(winners.map((w) => w.id)).size).toBe(100);
    expect(new Set(winners.map((w) => decodeEntry(w.entry)?.answer))).toEqual(new Set(answers));
    expect(await pool.depth(1)).toBe(0);
  });
});
