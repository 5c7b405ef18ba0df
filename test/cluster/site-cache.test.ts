import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../shared/runtime/config.js';
import { keyspace } from '../../shared/adapters/redis/keys.js';
import { hashApiKey } from '../../shared/domain/sites/site.js';
import { startLocalCluster, type LocalCluster } from '../../tooling/local-cluster.js';
import { siteverify, withAdmin } from '../../tooling/token-api.js';
import { waitFor } from '../../tooling/wait-for.js';

/** Announced changes must reach every pod within this; the pods' own memory lasts far longer (SITE_CACHE_SECONDS 30). */
const ANNOUNCED_BOUND_MS = 2000;
/** A change that was never announced is bounded by SITE_CACHE_SECONDS alone: 3 s in the second cluster. */
const UNANNOUNCED_CACHE_SECONDS = 3;

/** A siteverify with a well-formed but unknown token: 200 response_invalid when the key authenticates, 401 auth_invalid when not. */
const authenticates = async (base: string, apiKey: string): Promise<boolean> => {
  const reply = await siteverify(base, apiKey, { response: 'not-a-token' });
  if (reply.status !== 200 && reply.status !== 401) throw new Error(`siteverify: ${reply.status} ${JSON.stringify(reply.json)}`);
  return reply.status === 200;
};

const commandCalls = async (redis: Redis, command: string): Promise<number> =>
  Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await redis.info('commandstats'))?.[1] ?? 0);

describe('API pods remember sites and keys, and forget them when told', () => {
  let cluster: LocalCluster;
  let config: Config;
  let redis: Redis;

  beforeAll(async () => {
    cluster = await startLocalCluster({ apis: 2, env: { SITE_CACHE_SECONDS: '30' } });
    config = loadConfig({ REDIS_URL: cluster.redis.url, KEY_PREFIX: cluster.prefix });
    redis = new Redis(cluster.redis.url);
  });
  afterAll(async () => {
    await redis.quit();
    await cluster.stop();
  });

  it('authenticates siteverify from memory: no read of the key in Redis once a pod knows it', async () => {
    const { key } = await withAdmin(config, (admin) => admin.createSite({ name: 'shop', origins: ['https://shop.example'] }));
    const api = cluster.apis[0]?.url ?? '';
    expect(await authenticates(api, key?.apiKey ?? '')).toBe(true);
    const readsBefore = await commandCalls(redis, 'get');
    for (let i = 0; i < 20; i++) expect(await authenticates(api, key?.apiKey ?? '')).toBe(true);
    expect(await commandCalls(redis, 'get')).toBe(readsBefore);
  });

  it('stops a revoked key on every pod within the bound, though their memory would last 30 s', async () => {
    const { key } = await withAdmin(config, (admin) => admin.createSite({ name: 'blog', origins: ['https://blog.example'] }));
    const apiKey = key?.apiKey ?? '';
    for (const api of cluster.apis) expect(await authenticates(api.url, apiKey)).toBe(true);
    const revokedAt = Date.now();
    await withAdmin(config, (admin) => admin.revokeKey(key?.accountId ?? '', key?.keyId ?? ''));
    for (const api of cluster.apis) {
      await waitFor(async () => !(await authenticates(api.url, apiKey)), ANNOUNCED_BOUND_MS, 'the revoked key to stop working');
    }
    expect(Date.now() - revokedAt).toBeLessThan(ANNOUNCED_BOUND_MS);
  });
});

describe('a change no pod was told of', () => {
  let cluster: LocalCluster;
  let config: Config;

  beforeAll(async () => {
    cluster = await startLocalCluster({ apis: 1, env: { SITE_CACHE_SECONDS: String(UNANNOUNCED_CACHE_SECONDS) } });
    config = loadConfig({ REDIS_URL: cluster.redis.url, KEY_PREFIX: cluster.prefix });
  });
  afterAll(() => cluster.stop());

  it('is seen within SITE_CACHE_SECONDS', async () => {
    const { key } = await withAdmin(config, (admin) => admin.createSite({ name: 'shop', origins: ['https://shop.example'] }));
    const api = cluster.apis[0]?.url ?? '';
    const apiKey = key?.apiKey ?? '';
    expect(await authenticates(api, apiKey)).toBe(true);
    // The key's record deleted behind the service's back: no announcement.
    const redis = new Redis(cluster.redis.url);
    await redis.del(keyspace(cluster.prefix).apiKey(hashApiKey(apiKey)));
    await redis.quit();
    const deletedAt = Date.now();
    expect(await authenticates(api, apiKey)).toBe(true); // still remembered
    await waitFor(async () => !(await authenticates(api, apiKey)), (UNANNOUNCED_CACHE_SECONDS + 2) * 1000, 'the memory to expire');
    expect(Date.now() - deletedAt).toBeLessThanOrEqual((UNANNOUNCED_CACHE_SECONDS + 1) * 1000);
  });
});
