import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../shared/runtime/config.js';
import { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import { spawnApi, spawnService, type ServiceProcess } from '../../tooling/service-processes.js';
import { withAdmin } from '../../tooling/token-api.js';
import { waitFor } from '../../tooling/wait-for.js';

/** One worker and two API processes on a Redis a fault test controls, with a widget site and a warm pool. */
export interface ServicesUnderTest {
  readonly bases: string[];
  readonly answers: CaptchaAnswers;
  readonly site: { sitekey: string; apiKey: string; origin: string };
  stop(): Promise<void>;
}

/**
 * Starts the services on the Redis that `redisEnv` names (standalone, Cluster
 * or Sentinel variables), creates a site for `origin`, and waits until the
 * pool holds `warmPool` captchas over `shards` shards.
 */
export async function startServicesUnderTest(
  redisEnv: Record<string, string>,
  options: { origin: string; shards?: number; warmPool?: number },
): Promise<ServicesUnderTest> {
  const shards = options.shards ?? loadConfig({}).poolShards;
  const env = {
    ...redisEnv,
    KEY_PREFIX: `f${randomBytes(4).toString('hex')}`,
    TOKEN_SECRET: randomBytes(32).toString('hex'),
    POOL_SHARDS: String(shards),
    POOL_TARGET_SIZE: '800',
    POOL_LOW_WATERMARK: '400',
    POOL_CHECK_INTERVAL_MS: '500',
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);
  const created = await withAdmin(config, (admin) => admin.createSite({ name: 'shop', origins: [options.origin] }));
  const services: ServiceProcess[] = [spawnService('worker', env)];
  // One after the other: two Node processes starting at once on a busy 2-core machine can take long.
  const apis = [await spawnApi(env), await spawnApi(env)];
  services.push(...apis);
  const answers = new CaptchaAnswers(config, config.keyPrefix);
  await waitFor(async () => (await answers.poolDepth(shards)) >= (options.warmPool ?? 600), 60_000, 'a warm pool');
  return {
    bases: apis.map((api) => api.url),
    answers,
    site: { sitekey: created.site.sitekey, apiKey: created.key?.apiKey ?? '', origin: options.origin },
    async stop() {
      await Promise.all(services.map((service) => service.stop('SIGKILL')));
      await answers.close().catch(() => undefined);
    },
  };
}
