import { randomBytes } from 'node:crypto';
import { CaptchaAnswers } from './captcha-answers.js';
import { startNginx, type Nginx } from './nginx.js';
import { freePort } from './free-port.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { spawnApi, spawnService, type ApiProcess, type ServiceProcess } from './service-processes.js';
import { waitFor } from './wait-for.js';

/** A real cluster on loopback: its own redis-server, API processes, workers and nginx in front. */
export interface LocalCluster {
  readonly redis: RedisServer;
  readonly env: Record<string, string>;
  readonly apis: ApiProcess[];
  readonly ports: number[];
  readonly workers: ServiceProcess[];
  readonly nginx: Nginx;
  readonly answers: CaptchaAnswers;
  readonly prefix: string;
  waitForPool(depth: number): Promise<void>;
  restartApi(index: number): Promise<ApiProcess>;
  stop(): Promise<void>;
}

export async function startLocalCluster(options: { apis?: number; workers?: number; env?: Record<string, string>; redisArgs?: string[] } = {}): Promise<LocalCluster> {
  const redis = await startRedisServer(options.redisArgs);
  const prefix = `c${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    KEY_PREFIX: prefix,
    TOKEN_SECRET: randomBytes(32).toString('hex'),
    POOL_TARGET_SIZE: '400',
    POOL_LOW_WATERMARK: '160',
    POOL_CHECK_INTERVAL_MS: '500',
    TRUST_PROXY: 'true',
    ...options.env,
  };
  const workers = Array.from({ length: options.workers ?? 1 }, () => spawnService('worker', env));
  const ports = await Promise.all(Array.from({ length: options.apis ?? 3 }, () => freePort()));
  const apis = await Promise.all(ports.map((port) => spawnApi({ ...env, PORT: String(port) })));
  const nginx = await startNginx(ports);
  const answers = new CaptchaAnswers(redis.url, prefix);
  const cluster: LocalCluster = {
    redis,
    env,
    apis,
    ports,
    workers,
    nginx,
    answers,
    prefix,
    waitForPool: (depth) => waitFor(async () => (await answers.poolDepth(env.POOL_SHARDS ? Number(env.POOL_SHARDS) : undefined)) >= depth, 30_000, `a pool of ${depth}`),
    async restartApi(index) {
      const api = await spawnApi({ ...env, PORT: String(ports[index]) });
      apis[index] = api;
      return api;
    },
    async stop() {
      await nginx.stop();
      await Promise.all(apis.map((api) => api.stop('SIGKILL')));
      await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
      await answers.close().catch(() => undefined);
      await redis.stop();
    },
  };
  await cluster.waitForPool(Number(env.POOL_TARGET_SIZE ?? 400));
  return cluster;
}
