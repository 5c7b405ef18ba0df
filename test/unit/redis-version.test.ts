import { describe, expect, it } from 'vitest';
import { isSupportedRedisVersion } from '../../shared/adapters/redis/client.js';

describe('Redis version check', () => {
  it('accepts Redis 7 and newer, and refuses older or unreadable versions', () => {
    for (const version of ['7.0.15', '7.2.5', '8.0.0', '10.1.2']) expect(isSupportedRedisVersion(version)).toBe(true);
    for (const version of ['6.2.14', '5.0.7', '', 'unknown', 'x.y']) expect(isSupportedRedisVersion(version)).toBe(false);
  });
});
