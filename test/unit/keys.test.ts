import { describe, expect, it } from 'vitest';
import { newCaptchaId } from '../../shared/domain/captcha/captcha-id.js';
import { HASH_SLOTS, hashSlot } from '../../shared/adapters/redis/hash-slot.js';
import { keyspace, poolShardTag } from '../../shared/adapters/redis/keys.js';

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

  it('computes hash slots as Redis does (CLUSTER KEYSLOT)', () => {
    expect(hashSlot('123456789')).toBe(0x31c3 % HASH_SLOTS); // the CRC16/XMODEM check value
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('somekey')).toBe(11058);
  });

  it('spreads the first N shards evenly over the slot space, so over the primaries of a Cluster', () => {
    const perPrimary = (shards: number, primaries: number): number[] => {
      const counts = Array.from({ length: primaries }, () => 0);
      for (let shard = 0; shard < shards; shard++) counts[Math.floor((hashSlot(poolShardTag(shard)) * primaries) / HASH_SLOTS)] += 1;
      return counts;
    };
    expect(perPrimary(16, 3)).toEqual([6, 5, 5]);
    for (const [shards, primaries] of [[16, 2], [16, 4], [32, 3], [64, 6], [64, 3]] as const) {
      const counts = perPrimary(shards, primaries);
      expect(Math.max(...counts) - Math.min(...counts), `${shards} shards over ${primaries} primaries: ${counts.join('/')}`).toBeLessThanOrEqual(1);
    }
    const slots = new Set(Array.from({ length: 64 }, (_, shard) => hashSlot(poolShardTag(shard))));
    expect(slots.size).toBe(64);
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
