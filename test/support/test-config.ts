import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../shared/runtime/config.js';
import { UNDER_MEASUREMENT } from '../../tooling/service-processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The integration tier's Redis (global-redis.ts), or a node of its Cluster (global-redis-cluster.ts). */
    redisUrl: string;
    /** Set by the integration-cluster project: `host:port,...` of the real Redis Cluster behind redisUrl. */
    redisClusterNodes?: string;
    redisPassword?: string;
  }
}

/**
 * The connection variables for a Redis URL: for the URL the integration tier
 * was given, the mode that tier runs in (standalone or a real Cluster);
 * for any other URL (a test's own redis-server), standalone.
 */
function redisEnv(redisUrl: string): Record<string, string> {
  const provided = inject('redisUrl') as string | undefined;
  const clusterNodes = inject('redisClusterNodes');
  if (redisUrl !== provided || !clusterNodes) return { REDIS_URL: redisUrl };
  return { REDIS_URL: redisUrl, REDIS_CLUSTER_NODES: clusterNodes, REDIS_PASSWORD: inject('redisPassword') ?? '' };
}

/** A config for one test: its own key prefix, port 0, quiet logs, small pool. */
export function testConfig(redisUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    ...redisEnv(redisUrl),
    KEY_PREFIX: `t${randomBytes(6).toString('hex')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    POOL_SHARDS: '2',
    POOL_TARGET_SIZE: '40',
    POOL_LOW_WATERMARK: '16',
    RENDER_BATCH_SIZE: '10',
    ...UNDER_MEASUREMENT,
    // These tests change a site or a key and use it at once, from another client than the pod's own:
    // the pods' memory of them, and how changes reach it, are tested in cached-sites and site-cache.
    SITE_CACHE_SECONDS: '0',
    LOG_LEVEL: 'silent',
    TOKEN_SECRET: 'test-secret-that-is-long-enough-0123456789',
    ...env,
  });
}
