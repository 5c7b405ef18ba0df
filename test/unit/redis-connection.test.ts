import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/runtime/config.js';
import { bullConnection } from '../../shared/adapters/queue/refill-queue.js';
import { openRedisConnection, redisMode } from '../../shared/adapters/redis/connection.js';

describe('Redis connection modes', () => {
  it('is standalone by default', () => {
    const config = loadConfig({});
    expect(redisMode(config)).toBe('standalone');
    expect(config.redisClusterNodes).toEqual([]);
  });

  it('reads Cluster seed nodes, IPv6 in brackets too', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.2:7000,[fd00::1]:6380' });
    expect(redisMode(config)).toBe('cluster');
    expect(config.redisClusterNodes).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.2', port: 7000 },
      { host: 'fd00::1', port: 6380 },
    ]);
  });

  it('reads Sentinels and the master name', () => {
    const config = loadConfig({ REDIS_SENTINELS: 's1:26379,s2:26379,s3:26379', REDIS_SENTINEL_NAME: 'captcha' });
    expect(redisMode(config)).toBe('sentinel');
    expect(config.redisSentinels).toHaveLength(3);
    expect(config.redisSentinelName).toBe('captcha');
  });

  it('refuses malformed node lists and both modes at once', () => {
    for (const value of ['redis', 'redis:', 'a:1,,b:2', 'a:99999']) {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: value }), value).toThrow(ConfigError);
    }
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2' })).toThrow(/choose Cluster or Sentinel/);
  });

  it('gives the request path a Cluster client that reads from primaries and never re-sends a command whose reply was lost', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_PASSWORD: 'secret', REDIS_TLS: 'true' });
    const client = openRedisConnection(config, { failFast: true, commandTimeoutMs: 1000 });
    try {
      expect(client).toBeInstanceOf(Cluster);
      const options = (client as Cluster).options;
      expect(options.scaleReads).toBe('master');
      expect(options.enableOfflineQueue).toBe(false);
      expect(options.retryDelayOnFailover).toBe(0);
      expect(options.redisOptions).toMatchObject({ password: 'secret', tls: {}, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout: 1000 });
      expect(client.status).toBe('wait'); // lazy: nothing connects until connectRedis
    } finally {
      client.disconnect();
    }
  });

  it('gives background clients a queueing connection, and Sentinel clients the Sentinels', () => {
    const config = loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'captcha', REDIS_SENTINEL_PASSWORD: 's' });
    const client = openRedisConnection(config, { failFast: false });
    try {
      expect(client).toBeInstanceOf(Redis);
      expect((client as Redis).options).toMatchObject({ name: 'captcha', role: 'master', sentinelPassword: 's', maxRetriesPerRequest: null, enableOfflineQueue: true });
    } finally {
      client.disconnect();
    }
  });

  it('turns TLS on for a rediss:// URL', () => {
    const client = openRedisConnection(loadConfig({ REDIS_URL: 'rediss://cache.example:6380' }), { failFast: true });
    try {
      expect((client as Redis).options.tls).toEqual({});
    } finally {
      client.disconnect();
    }
  });

  it("gives BullMQ the factory's connection, so ioredis reads REDIS_URL: user, encoded password, database and TLS", () => {
    const client = bullConnection(loadConfig({ REDIS_URL: 'rediss://queue-user:p%40ss%2Fword@cache.example:6380/3' }));
    try {
      expect(client).toBeInstanceOf(Redis);
      expect((client as Redis).options).toMatchObject({
        host: 'cache.example',
        port: 6380,
        username: 'queue-user',
        password: 'p@ss/word',
        db: 3,
        tls: {},
        // BullMQ requires this of every connection it blocks on.
        maxRetriesPerRequest: null,
      });
    } finally {
      client.disconnect();
    }
  });

  it('gives BullMQ a Cluster or a Sentinel connection in those modes', () => {
    const cluster = bullConnection(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001', REDIS_PASSWORD: 'secret' }));
    const sentinel = bullConnection(loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'captcha' }));
    try {
      expect(cluster).toBeInstanceOf(Cluster);
      expect((cluster as Cluster).options.redisOptions).toMatchObject({ password: 'secret', maxRetriesPerRequest: null });
      expect((sentinel as Redis).options).toMatchObject({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'captcha', maxRetriesPerRequest: null });
    } finally {
      cluster.disconnect();
      sentinel.disconnect();
    }
  });
});
