import { describe, expect, it } from 'vitest';
import { keyspace } from '../../shared/redis/keys.js';

const hashTag = (key: string): string | undefined => /\{([^}]+)\}/.exec(key)?.[1];

describe('keyspace', () => {
  const keys = keyspace('captcha');

  it('prefixes every key', () => {
    expect(keys.captcha('ab'.repeat(20))).toMatch(/^captcha:/);
    expect(keys.poolShard(0)).toMatch(/^captcha:/);
  });

  it('tags each captcha key with its own id, so captchas spread over a cluster', () => {
    const id = 'ab'.repeat(20);
    expect(hashTag(keys.captcha(id))).toBe(id);
  });

  it('gives each pool shard its own hash tag', () => {
    const tags = new Set([0, 1, 2, 3].map((shard) => hashTag(keys.poolShard(shard))));
    expect(tags.size).toBe(4);
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
