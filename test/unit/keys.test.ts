import { describe, expect, it } from 'vitest';
import { newCaptchaId } from '../../shared/captcha/captcha-id.js';
import { keyspace, poolShardTag } from '../../shared/redis/keys.js';

const hashTag = (key: string): string | undefined => /\{([^}]+)\}/.exec(key)?.[1];

describe('keyspace', () => {
  const keys = keyspace('captcha');

  it('prefixes every key', () => {
    expect(keys.captcha('ab'.repeat(20))).toMatch(/^captcha:/);
    expect(keys.poolShard(0)).toMatch(/^captcha:/);
  });

  it('tags a captcha key with the start of its id, and a pool shard with the same tag as the ids it issues', () => {
    for (const shard of [0, 1, 2, 3, 17]) {
      const id = newCaptchaId(poolShardTag(shard));
      expect(hashTag(keys.captcha(id))).toBe(hashTag(keys.poolShard(shard)));
      expect(keys.captcha(id)).toContain(id.slice(4));
    }
  });

  it('gives each of the usual shard counts distinct hash tags', () => {
    const tags = new Set(Array.from({ length: 16 }, (_, shard) => hashTag(keys.poolShard(shard))));
    expect(tags.size).toBe(16);
  });

  it('keeps the queue prefix in one hash tag, as BullMQ needs on a cluster', () => {
    expect(keys.queuePrefix).toMatch(/^\{[^}]+\}$/);
  });

  it('keeps deployments with different prefixes apart', () => {
    const other = keyspace('other');
    expect(other.captcha('x')).not.toBe(keys.captcha('x'));
    expect(other.poolShard(0)).not.toBe(keys.poolShard(0));
    expect(other.queuePrefix).not.toBe(keys.queuePrefix);
  });
});
