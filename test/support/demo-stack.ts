import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { loadConfig, type Config } from '../../shared/runtime/config.js';
import { launchChromium } from '../../tooling/browser.js';
import { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import { freePort } from '../../tooling/free-port.js';
import { startRedisServer, type RedisServer } from '../../tooling/redis-server.js';
import { spawnApi, spawnService, type ApiProcess, type ServiceProcess } from '../../tooling/service-processes.js';
import { withAdmin } from '../../tooling/token-api.js';
import { waitFor } from '../../tooling/wait-for.js';

/** Where browser tests leave their screenshots. */
export const TEST_OUTPUT = 'test-output';

/** The /demo page served for a real browser: its own redis-server, a worker, API processes, and Chromium. */
export interface DemoStack {
  readonly redis: RedisServer;
  /** Reaches the stack's Redis, for admin actions (modes, work) during a test. */
  readonly config: Config;
  readonly sitekey: string;
  /** One per entry of `apiEnvs`, each on its own port; every one's origin is an allowed origin of the demo site. */
  readonly apis: ApiProcess[];
  readonly answers: CaptchaAnswers;
  readonly browser: Browser;
  stop(): Promise<void>;
}

/**
 * Starts the demo stack with a pool of `poolTarget` captchas and waits until
 * `warmPool` (default: all) are rendered. `env` goes to every process,
 * `apiEnvs` to each API process on top of it.
 */
export async function startDemoStack(options: {
  prefix: string;
  poolTarget: number;
  warmPool?: number;
  env?: Record<string, string>;
  apiEnvs?: Record<string, string>[];
}): Promise<DemoStack> {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const redis = await startRedisServer();
  const apiEnvs = options.apiEnvs ?? [{}];
  const ports = await Promise.all(apiEnvs.map(() => freePort()));
  const config = loadConfig({ REDIS_URL: redis.url, KEY_PREFIX: options.prefix });
  const { site, key } = await withAdmin(config, (admin) =>
    admin.createSite({ name: 'demo', origins: ports.map((port) => `http://127.0.0.1:${port}`) }),
  );
  const env = {
    REDIS_URL: redis.url,
    KEY_PREFIX: options.prefix,
    POOL_TARGET_SIZE: String(options.poolTarget),
    POOL_LOW_WATERMARK: String(Math.floor(options.poolTarget * 0.4)),
    TOKEN_SECRET: randomBytes(32).toString('hex'),
    DEMO_SITEKEY: site.sitekey,
    DEMO_API_KEY: key?.apiKey ?? '',
    ...options.env,
  };
  const worker: ServiceProcess = spawnService('worker', env);
  const apis: ApiProcess[] = [];
  for (const [index, apiEnv] of apiEnvs.entries()) apis.push(await spawnApi({ ...env, ...apiEnv, PORT: String(ports[index]) }));
  const answers = new CaptchaAnswers(redis.url, options.prefix);
  await waitFor(async () => (await answers.poolDepth()) >= (options.warmPool ?? options.poolTarget), 30_000, 'a full pool');
  const browser = await launchChromium();
  return {
    redis,
    config,
    sitekey: site.sitekey,
    apis,
    answers,
    browser,
    async stop() {
      await browser.close();
      await answers.close();
      for (const api of apis) await api.stop();
      await worker.stop();
      await redis.stop();
    },
  };
}

/**
 * The JSON bodies of a page's successful responses whose URL ends with
 * `urlEnd`, in the order they arrive: how a browser test learns the ids the
 * widget was given. A body still unread when its page closes is not recorded.
 */
export function recordJsonResponses<T>(page: Page, urlEnd: string): T[] {
  const bodies: T[] = [];
  page.on('response', (response) => {
    if (!response.url().endsWith(urlEnd) || response.status() !== 200) return;
    response.json().then(
      (body: T) => bodies.push(body),
      () => undefined, // the page closed before its body was read
    );
  });
  return bodies;
}
