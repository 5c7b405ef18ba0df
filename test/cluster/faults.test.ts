import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { decodeEntry } from '../../shared/domain/captcha/captcha-entry.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { RefillQueue } from '../../shared/adapters/queue/refill-queue.js';
import { standaloneRedis } from '../../shared/adapters/redis/connection.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { keyspace } from '../../shared/adapters/redis/keys.js';
import { pooledEntries } from '../../shared/adapters/redis/redis-pool.js';
import { RedisSites } from '../../shared/adapters/redis/redis-sites.js';
import { hashApiKey, apiKeyId } from '../../shared/domain/sites/site.js';
import { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import { call } from '../../tooling/api-client.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startLocalCluster } from '../../tooling/local-cluster.js';
import { spawnApi, spawnService } from '../../tooling/service-processes.js';
import { startRedisServer } from '../../tooling/redis-server.js';
import { waitFor } from '../../tooling/wait-for.js';
import { siteverify, solveWidget, withAdmin } from '../../tooling/token-api.js';

type Issued = { response: { captchaResponse: { imageHash: string } } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ORIGIN = 'https://shop.example';

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
}

describe('Redis faults', () => {
  it('answers 503 at once while Redis is down, recovers by itself, re-warms the pool, and fails closed after losing its data', async () => {
    const cluster = await startLocalCluster({ apis: 2 });
    try {
      const config = loadConfig({ REDIS_URL: cluster.redis.url, KEY_PREFIX: cluster.prefix });
      const site = await withAdmin(config, (admin) => admin.createSite({ name: 'shop', origins: [ORIGIN] }));
      const apiKey = site.key?.apiKey ?? '';
      const base = cluster.nginx.url;
      const issued = ((await call(`${base}/3.0/captcha`)).json as Issued).response.captchaResponse.imageHash;
      const answer = await cluster.answers.answerOf(issued);
      const verifiedToken = await solveWidget(base, cluster.answers, site.site.sitekey, ORIGIN);
      expect((await siteverify(base, apiKey, { response: verifiedToken })).json).toMatchObject({ success: true });
      const unverifiedToken = await solveWidget(base, cluster.answers, site.site.sitekey, ORIGIN);

      await cluster.redis.stop();
      const during = [
        await timed(() => call(`${base}/3.0/captcha`)),
        await timed(() => call(`${base}/3.0/captcha/testCaptcha/hash/${issued}/response/${answer}`)),
        await timed(() => siteverify(base, apiKey, { response: unverifiedToken })),
        await timed(() => call(`${base}/api/v2/widget/${site.site.sitekey}/challenge`, { method: 'POST', headers: { Origin: ORIGIN } })),
      ];
      console.log('answers while Redis is down (ms):', during.map((d) => `${d.value.status} in ${d.ms}`).join(', '));
      for (const { value } of during) {
        expect(value.status).toBe(503);
        expect(JSON.stringify(value.json)).toMatch(/store_unavailable/);
      }
      for (const api of cluster.apis) {
        expect((await call(`${api.url}/readyz`)).status).toBe(503);
        expect((await call(`${api.url}/healthz`)).status).toBe(200);
      }

      // Redis comes back empty (no persistence): nothing issued before may now succeed.
      const restarted = await timed(async () => {
        await cluster.redis.start();
        await waitFor(async () => {
          const ready = await Promise.all(cluster.apis.map(async (api) => (await call(`${api.url}/readyz`)).status === 200));
          return ready.every(Boolean);
        }, 20_000, 'the API processes to be ready again');
      });
      const rewarmed = await timed(() => cluster.waitForPool(400));
      console.log(`recovery after Redis restart: ready in ${restarted.ms} ms, pool re-warmed ${rewarmed.ms} ms later`);

      expect((await call(`${base}/3.0/captcha/testCaptcha/hash/${issued}/response/${answer}`)).status).toBe(401);
      // Restore the site and key records (as from a backup) so that only the token itself is judged.
      const redis = createRedisClient(standaloneRedis(cluster.redis.url), { failFast: false });
      const sites = new RedisSites(redis, keyspace(cluster.prefix));
      await sites.saveAccount({ accountId: site.site.accountId, name: 'shop' });
      await sites.addKey(site.site.accountId, { keyId: apiKeyId(hashApiKey(apiKey)), keyHash: hashApiKey(apiKey), label: '', createdAt: new Date().toISOString() });
      await sites.saveSite(site.site);
      await redis.quit();
      for (const token of [verifiedToken, unverifiedToken]) {
        expect((await siteverify(base, apiKey, { response: token })).json).toMatchObject({ success: false, error: { error_code: 'response_invalid' } });
      }
      const fresh = await solveWidget(base, cluster.answers, site.site.sitekey, ORIGIN);
      expect((await siteverify(base, apiKey, { response: fresh })).json).toMatchObject({ success: true });
      expect((await call(`${base}/3.0/captcha`)).status).toBe(200);
    } finally {
      await cluster.stop();
    }
  });

  it('fails closed when the reply to a verification is lost: 503, never a resend that reports a real solve as wrong', async () => {
    const redis = await startRedisServer();
    const proxy = await startFaultProxy(redis.port);
    const prefix = `lost${randomBytes(3).toString('hex')}`;
    const env = { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, KEY_PREFIX: prefix, TOKEN_SECRET: randomBytes(32).toString('hex'), POOL_TARGET_SIZE: '40', POOL_LOW_WATERMARK: '16' };
    const worker = spawnService('worker', { ...env, REDIS_URL: redis.url });
    const api = await spawnApi(env);
    const answers = new CaptchaAnswers(redis.url, prefix);
    try {
      await waitFor(async () => (await answers.poolDepth()) >= 40, 20_000, 'a pool');
      const id = ((await call(`${api.url}/3.0/captcha`)).json as Issued).response.captchaResponse.imageHash;
      const answer = await answers.answerOf(id);
      proxy.mode = 'drop';
      const lost = await call(`${api.url}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`);
      expect(lost.status).toBe(503);
      expect(lost.json).toMatchObject({ errors: { code: 'store_unavailable' } });
      proxy.mode = 'pass';
      await waitFor(async () => (await call(`${api.url}/readyz`)).status === 200, 10_000, 'the API to reconnect');
      // Redis did run the GETDEL: the captcha is gone, and the user is asked for a fresh one.
      expect((await call(`${api.url}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`)).status).toBe(401);
      expect((await call(`${api.url}/3.0/captcha`)).status).toBe(200);
    } finally {
      await api.stop('SIGKILL');
      await worker.stop('SIGKILL');
      await answers.close();
      await proxy.close();
      await redis.stop();
    }
  });

  it('refuses to start on a Redis that may evict keys, and answers 503 without losing issued captchas when Redis is full', async () => {
    const evicting = await startRedisServer(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    try {
      const env = { REDIS_URL: evicting.url, TOKEN_SECRET: randomBytes(32).toString('hex'), PORT: '0' };
      for (const service of ['api', 'worker'] as const) {
        const process = spawnService(service, env);
        const code = await new Promise<number | null>((resolve) => process.child.once('exit', (exitCode) => resolve(exitCode)));
        expect(code).not.toBe(0);
        expect(process.output()).toMatch(/maxmemory-policy is allkeys-lru/);
      }
    } finally {
      await evicting.stop();
    }

    const cluster = await startLocalCluster({ apis: 1, redisArgs: ['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction'], env: { POOL_TARGET_SIZE: '2000', POOL_LOW_WATERMARK: '800' } });
    try {
      const base = cluster.apis[0]?.url ?? '';
      const kept = ((await call(`${base}/3.0/captcha`)).json as Issued).response.captchaResponse.imageHash;
      const keptAnswer = await cluster.answers.answerOf(kept);
      const filler = new Redis(cluster.redis.url);
      // Make Redis full: its limit drops a megabyte below what it holds, so no pop frees enough to write again.
      const used = Number(/used_memory:(\d+)/.exec(await filler.info('memory'))?.[1]);
      await filler.config('SET', 'maxmemory', String(used - 1024 * 1024));
      expect(await filler.set('probe', 'x').then(() => 'stored', (error: unknown) => String(error))).toMatch(/OOM/);
      const refused = await call(`${base}/3.0/captcha`);
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ errors: { code: 'store_unavailable' } });
      expect((await call(`${base}/3.0/captcha/testCaptcha/hash/${kept}/response/${keptAnswer}`)).json).toEqual({ response: { testCaptchaResponse: '1' } });
      await filler.quit();
    } finally {
      await cluster.stop();
    }
  });
});

describe('process faults', () => {
  it('refills within POOL_CHECK_INTERVAL_MS after a worker is killed mid-batch, on a starved CPU, and leaves no half record or failed job', async () => {
    const redis = await startRedisServer();
    const prefix = `kill${randomBytes(3).toString('hex')}`;
    // The default stall settings: before workers filled short shards themselves, the dead worker's
    // deduplicated jobs blocked every refill of their shards until stall detection, 30-60 s later.
    const env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: prefix,
      TOKEN_SECRET: randomBytes(32).toString('hex'),
      // Four shards: the check below reads every shard's list.
      POOL_SHARDS: '4',
      POOL_TARGET_SIZE: '4000',
      POOL_LOW_WATERMARK: '2000',
      RENDER_BATCH_SIZE: '100',
      POOL_CHECK_INTERVAL_MS: '1000',
      WORKER_CONCURRENCY: '4',
    };
    const keys = keyspace(prefix);
    const queue = new RefillQueue(standaloneRedis(redis.url), keys);
    const answers = new CaptchaAnswers(redis.url, prefix);
    const client = new Redis(redis.url);
    // Two busy loops, one per core, for the whole recovery: the worker and its Redis fight for CPU.
    const burners = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    try {
      const doomed = spawnService('worker', env);
      await waitFor(async () => (await answers.poolDepth()) >= 400, 30_000, 'rendering to start');
      await doomed.stop('SIGKILL');
      const stuck = (await queue.getJobCounts('active')).active;
      expect(stuck).toBeGreaterThan(0);
      const atKill = await answers.poolDepth();
      const heir = spawnService('worker', env);
      const resumed = await timed(() => waitFor(async () => (await answers.poolDepth()) >= atKill + 400, 15_000, 'refilling to resume'));
      const filled = await timed(() => waitFor(async () => (await answers.poolDepth()) >= 4000, 90_000, 'the pool to refill'));
      console.log(`worker SIGKILL under CPU load: ${stuck} jobs left active; refilling resumed after ${resumed.ms} ms, the pool was full ${filled.ms} ms later`);
      // The starved-CPU part is over: what follows checks the pool and issuing, not recovery speed.
      for (const burner of burners) burner.kill('SIGKILL');
      // The dead worker's jobs come back once their locks expire; they then find their shards full.
      await waitFor(async () => (await queue.getJobCounts('active')).active === 0, 90_000, 'stalled jobs to be handed on');
      await heir.stop('SIGTERM');
      expect(await queue.getJobCounts('active', 'failed')).toEqual({ active: 0, failed: 0 });
      const entries = (await Promise.all([0, 1, 2, 3].map((shard) => pooledEntries(client, keys, shard)))).flat();
      expect(entries.length).toBeGreaterThanOrEqual(4000);
      for (const entry of entries) {
        const decoded = decodeEntry(entry);
        if (!decoded || !/^[A-Z0-9]{6}$/.test(decoded.answer) || decoded.png.subarray(1, 4).toString() !== 'PNG') throw new Error('half-written pool entry');
      }
      const api = await spawnApi(env);
      const ids = await Promise.all(Array.from({ length: 500 }, async () => ((await call(`${api.url}/3.0/captcha`)).json as Issued).response.captchaResponse.imageHash));
      expect(new Set(ids).size).toBe(500);
      for (const id of ids.slice(0, 50)) expect((await answers.answerOf(id)).length).toBe(6);
      await api.stop('SIGKILL');
    } finally {
      for (const burner of burners) burner.kill('SIGKILL');
      await queue.close();
      await client.quit();
      await answers.close();
      await redis.stop();
    }
  }, 240_000);

  it('routes around an API process killed under load, without disturbing the others', async () => {
    const cluster = await startLocalCluster({ apis: 3 });
    try {
      let running = true;
      const outcomes: { at: number; ok: boolean }[] = [];
      const loop = async () => {
        while (running) {
          const ok = await call(`${cluster.nginx.url}/3.0/captcha`).then((r) => r.status === 200, () => false);
          outcomes.push({ at: Date.now(), ok });
        }
      };
      const direct: boolean[] = [];
      const directLoop = async () => {
        while (running) direct.push(await call(`${cluster.apis[1]?.url ?? ''}/3.0/captcha`).then((r) => r.status === 200, () => false));
      };
      const loops = [...Array.from({ length: 8 }, loop), directLoop()];
      await sleep(1000);
      const killedAt = Date.now();
      await cluster.apis[0]?.stop('SIGKILL');
      await sleep(2000);
      running = false;
      await Promise.all(loops);
      const failed = outcomes.filter((o) => !o.ok);
      console.log(`API SIGKILL under load: ${outcomes.length} requests through nginx, ${failed.length} failed (in flight at the kill); ${direct.length} direct requests to another process, ${direct.filter((ok) => !ok).length} failed`);
      expect(failed.length).toBeLessThanOrEqual(8);
      expect(failed.every((o) => o.at - killedAt < 1000)).toBe(true);
      expect(outcomes.filter((o) => o.at > killedAt + 1000).every((o) => o.ok)).toBe(true);
      expect(direct.every(Boolean)).toBe(true);
    } finally {
      await cluster.stop();
    }
  });
});
