import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntry } from '../../shared/domain/captcha/captcha-entry.js';
import { RefillQueue } from '../../shared/adapters/queue/refill-queue.js';
import { standaloneRedis } from '../../shared/adapters/redis/connection.js';
import { keyspace } from '../../shared/adapters/redis/keys.js';
import { pooledEntries } from '../../shared/adapters/redis/redis-pool.js';
import { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import { startNginx, type Nginx } from '../../tooling/nginx.js';
import { spawnApi, spawnService, type ServiceProcess } from '../../tooling/service-processes.js';
import { freePort } from '../../tooling/free-port.js';
import { startRedisServer, type RedisServer } from '../../tooling/redis-server.js';
import { waitFor } from '../../tooling/wait-for.js';

/** Requests through nginx from `concurrency` loops until stopped; anything but the expected answer is a failure. */
function steadyStream(base: string, concurrency: number) {
  let running = true;
  let total = 0;
  const failures: string[] = [];
  const loop = async (worker: number): Promise<void> => {
    for (let i = 0; running; i++) {
      try {
        const issued = await fetch(`${base}/3.0/captcha`);
        total++;
        if (issued.status !== 200) {
          failures.push(`issue ${issued.status} ${await issued.text()}`);
          continue;
        }
        const { imageUrl, imageHash } = ((await issued.json()) as { response: { captchaResponse: { imageUrl: string; imageHash: string } } }).response.captchaResponse;
        if ((i + worker) % 2 === 0) {
          const image = await fetch(imageUrl);
          total++;
          await image.arrayBuffer();
          if (image.status !== 200) failures.push(`image ${image.status}`);
        } else {
          const check = await fetch(`${base}/3.0/captcha/testCaptcha`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ hash: imageHash, response: 'WRONG1' }),
          });
          total++;
          await check.arrayBuffer();
          if (check.status !== 401) failures.push(`check ${check.status}`);
        }
      } catch (error) {
        failures.push(`fetch: ${String(error)}`);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, (_, worker) => loop(worker));
  return {
    get total() {
      return total;
    },
    failures,
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rolling restarts', () => {
  let redis: RedisServer;
  const prefix = `roll${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  it('lose no request when API processes behind nginx are stopped with SIGTERM and restarted one by one', async () => {
    const env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: prefix,
      TOKEN_SECRET: randomBytes(32).toString('hex'),
      POOL_TARGET_SIZE: '2000',
      POOL_LOW_WATERMARK: '1000',
      SHUTDOWN_DRAIN_MS: '1500',
      TRUST_PROXY: 'true',
    };
    const worker = spawnService('worker', env);
    const ports = [await freePort(), await freePort()];
    const apis: (ServiceProcess & { url: string })[] = await Promise.all(ports.map((port) => spawnApi({ ...env, PORT: String(port) })));
    const answers = new CaptchaAnswers(redis.url, prefix);
    let nginx: Nginx | undefined;
    try {
      await waitFor(async () => (await answers.poolDepth()) >= 2000, 30_000, 'a full pool');
      nginx = await startNginx(ports);
      const stream = steadyStream(nginx.url, 8);
      await sleep(1000);
      for (const index of [0, 1]) {
        const port = ports[index] ?? 0;
        // As in Kubernetes: the pod gets SIGTERM, and the load balancer learns to
        // route around it a little later (endpoint propagation); the drain serves
        // what is routed to it meanwhile.
        const exited = apis[index]?.stop('SIGTERM');
        await sleep(500);
        await nginx.setDown([port]);
        expect(await exited).toBe(0);
        apis[index] = await spawnApi({ ...env, PORT: String(port) });
        await nginx.setDown([]);
        await sleep(1000);
      }
      await stream.stop();
      expect(stream.failures, nginx.errorLog()).toEqual([]);
      expect(stream.total).toBeGreaterThan(500);
      console.log(`rolling restart: ${stream.total} requests through nginx, ${stream.failures.length} failed`);
    } finally {
      await nginx?.stop();
      await Promise.all(apis.map((api) => api.stop()));
      await worker.stop();
      await answers.close();
    }
  });

  it('lose no job and leave no half-written captcha when a worker gets SIGTERM mid-batch', async () => {
    const workerPrefix = `${prefix}w`;
    const env = { REDIS_URL: redis.url, KEY_PREFIX: workerPrefix, POOL_TARGET_SIZE: '6000', POOL_LOW_WATERMARK: '3000', RENDER_BATCH_SIZE: '100' };
    const keys = keyspace(workerPrefix);
    const client = new Redis(redis.url);
    const queue = new RefillQueue(standaloneRedis(redis.url), keys);
    const answers = new CaptchaAnswers(redis.url, workerPrefix);
    try {
      const first = spawnService('worker', env);
      await waitFor(async () => (await answers.poolDepth()) >= 300, 30_000, 'rendering to start');
      expect((await queue.getJobCounts('active')).active).toBeGreaterThan(0);
      expect(await first.stop('SIGTERM'), first.output()).toBe(0);

      const counts = await queue.getJobCounts('active', 'failed');
      expect(counts).toEqual({ active: 0, failed: 0 });
      const depth = await answers.poolDepth();
      expect(depth).toBeGreaterThan(0);
      expect(depth).toBeLessThan(6000);
      for (let shard = 0; shard < 4; shard++) {
        for (const entry of await pooledEntries(client, keys, shard)) {
          const decoded = decodeEntry(entry);
          expect(decoded?.answer).toMatch(/^[A-Z0-9]{6}$/);
          expect(decoded?.png.subarray(1, 4).toString()).toBe('PNG');
        }
      }

      const second = spawnService('worker', env);
      await waitFor(async () => (await answers.poolDepth()) >= 6000, 30_000, 'the pool to refill');
      expect(await second.stop('SIGTERM')).toBe(0);
      expect(await queue.getJobCounts('active', 'failed')).toEqual({ active: 0, failed: 0 });
    } finally {
      await queue.close();
      await client.quit();
      await answers.close();
    }
  });
});
