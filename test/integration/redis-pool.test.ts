import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeEntry, encodeEntry } from '../../shared/domain/captcha/captcha-entry.js';
import { connectRedis, createRedisClient, type RedisClient } from '../../shared/adapters/redis/client.js';
import { keyspace, poolShardTag } from '../../shared/adapters/redis/keys.js';
import { RedisIssuedCaptchas } from '../../shared/adapters/redis/redis-issued-captchas.js';
import { RedisPool } from '../../shared/adapters/redis/redis-pool.js';
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
    expect(await pool.issueFrom(0, '', 300, true)).toEqual({ issued: undefined, remaining: 0 });
    expect(await redis.keys(`${keys.prefix}:captcha:*`)).toEqual([]);
  });

  it('pools each entry under its own id, tagged for its shard, with no time to live until issued', async () => {
    await pool.push(2, [pooled('HHHHHH'), pooled('JJJJJJ')]);
    const ids = await redis.lrange(keys.poolShard(2), 0, -1);
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      expect(id).toMatch(new RegExp(`^${poolShardTag(2)}[0-9a-f]{36}$`));
      expect(await redis.ttl(keys.captcha(id))).toBe(-1);
    }
    expect((await pool.entries(2)).map((entry) => decodeEntry(entry)?.answer)).toEqual(['JJJJJJ', 'HHHHHH']);
  });

  it('issues the oldest entry with binding and time to live in one step, returning the entry only when asked', async () => {
    await pool.push(3, [pooled('AAAAAA'), pooled('CCCCCC'), pooled('EEEEEE')]);
    const { issued: first, remaining } = await pool.issueFrom(3, '["site","https://a.example"]', 120, true);
    expect(remaining).toBe(2);
    expect(first?.id).toMatch(new RegExp(`^${poolShardTag(3)}[0-9a-f]{36}$`));
    expect(first?.entry?.equals(pooled('AAAAAA'))).toBe(true);
    const stored = decodeEntry((await issued.read(first?.id ?? '')) ?? Buffer.alloc(0));
    expect(stored).toEqual({ answer: 'AAAAAA', difficulty: 'normal', png: Buffer.from('png of AAAAAA'), binding: '["site","https://a.example"]' });
    const ttl = await redis.ttl(keys.captcha(first?.id ?? ''));
    expect(ttl).toBeGreaterThan(115);
    expect(ttl).toBeLessThanOrEqual(120);
    expect(decodeEntry((await issued.take(first?.id ?? '')) ?? Buffer.alloc(0))?.answer).toBe('AAAAAA');
    expect(await issued.take(first?.id ?? '')).toBeUndefined();

    const { issued: second } = await pool.issueFrom(3, '', 120, false);
    expect(second?.entry).toBeUndefined();
    expect(decodeEntry((await issued.read(second?.id ?? '')) ?? Buffer.alloc(0))?.answer).toBe('CCCCCC');
    expect(await redis.ttl(keys.captcha(second?.id ?? ''))).toBeGreaterThan(115);
  });

  it('stores an issued captcha at its own size, binding included, with no room to spare', async () => {
    // 1,300 bytes plus a 60-byte binding: appending would have left Redis's string at twice that.
    const entry = encodeEntry({ answer: 'MMMMMM', difficulty: 'normal', png: Buffer.alloc(1300 - 14, 7), binding: '' });
    await pool.push(5, [entry]);
    const { issued: taken } = await pool.issueFrom(5, 'b'.repeat(60), 60, false);
    const bytes = Number(await redis.call('MEMORY', 'USAGE', keys.captcha(taken?.id ?? ''), 'SAMPLES', '0'));
    expect(bytes).toBeGreaterThan(entry.length + 60);
    expect(bytes).toBeLessThan((entry.length + 60) * 1.25);
  });

  it('skips a pooled id whose captcha is gone, and never re-creates it', async () => {
    await pool.push(4, [pooled('KKKKKK'), pooled('LLLLLL')]);
    const [, oldest] = await redis.lrange(keys.poolShard(4), 0, -1);
    await redis.del(keys.captcha(oldest ?? ''));
    const { issued: next, remaining } = await pool.issueFrom(4, 'bound', 60, true);
    expect(decodeEntry(next?.entry ?? Buffer.alloc(0))?.answer).toBe('LLLLLL');
    expect(remaining).toBe(0);
    expect(await redis.exists(keys.captcha(oldest ?? ''))).toBe(0);
  });

  it('hands each pooled entry to exactly one of many concurrent issuers', async () => {
    const answers = Array.from({ length: 100 }, (_, i) => `A${String(i).padStart(5, '0')}`);
    await pool.push(1, answers.map(pooled));
    const results = await Promise.all(Array.from({ length: 250 }, () => pool.issueFrom(1, '', 300, true)));
    const winners = results.flatMap((r) => (r.issued ? [r.issued] : []));
    expect(winners).toHaveLength(100);
    expect(new Set(winners.map((w) => w.id)).size).toBe(100);
    expect(new Set(winners.map((w) => decodeEntry(w.entry ?? Buffer.alloc(0))?.answer))).toEqual(new Set(answers));
    expect(await pool.depth(1)).toBe(0);
  });
});
