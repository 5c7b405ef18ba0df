import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, issueCaptcha } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { startRedisServer, type RedisServer } from '../../tooling/redis-server.js';
import { testConfig } from '../support/test-config.js';
import { createSite, siteverify, solveWidget, SITE_ORIGIN } from '../../tooling/token-api.js';

/**
 * A Redis that refuses writes (maxmemory reached, noeviction) must still let
 * people finish what they started: checks, widget solves and siteverify. Rate
 * limits stay on, as in production, and fall back to each pod's memory.
 */
describe('a full Redis', () => {
  let redis: RedisServer;
  let filler: Redis;
  let cluster: InProcessCluster;
  let base: string;
  let site: { sitekey: string; apiKey: string };

  beforeAll(async () => {
    redis = await startRedisServer(['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction']);
    filler = new Redis(redis.url);
    const config = testConfig(redis.url, {
      RATE_LIMIT_ISSUE_PER_MINUTE: '300',
      RATE_LIMIT_SOLVE_PER_MINUTE: '300',
      RATE_LIMIT_SITEVERIFY_PER_MINUTE: '6000',
      RATE_LIMIT_LIVE_CAPTCHAS_PER_CLIENT: '200',
    });
    site = await createSite(config);
    cluster = await startInProcessCluster(config);
    base = cluster.api.url;
    await cluster.waitForFullPool();
  });
  afterAll(async () => {
    await cluster.stop();
    await filler.quit();
    await redis.stop();
  });

  const fill = async (): Promise<void> => {
    // The limit drops a megabyte below what Redis holds, so no delete frees enough to write again.
    const used = Number(/used_memory:(\d+)/.exec(await filler.info('memory'))?.[1]);
    await filler.config('SET', 'maxmemory', String(used - 1024 * 1024));
    expect(await filler.set('probe', 'x').then(() => 'stored', (error: unknown) => String(error))).toMatch(/OOM/);
  };

  it('still checks captchas, solves widget challenges and verifies tokens; refuses new captchas; reports not ready', async () => {
    const classic = await issueCaptcha(base);
    const classicAnswer = await cluster.answers.answerOf(classic.id);
    const token = await solveWidget(base, cluster.answers, site.sitekey);
    const open = await call(`${base}/api/v2/widget/${site.sitekey}/challenge`, { method: 'POST', headers: { Origin: SITE_ORIGIN } });
    const challengeId = (open.json as { challenge: string }).challenge;
    const challengeAnswer = await cluster.answers.answerOf(challengeId);
    expect((await call(`${base}/readyz`)).status).toBe(200);

    await fill();

    expect(await call(`${base}/readyz`)).toMatchObject({ status: 503, json: { status: 'unavailable', reason: 'redis_refusing_writes' } });
    expect((await call(`${base}/3.0/captcha/testCaptcha/hash/${classic.id}/response/${classicAnswer}`)).json).toEqual({
      response: { testCaptchaResponse: '1' },
    });
    const solved = await call(`${base}/api/v2/widget/${site.sitekey}/solve`, {
      method: 'POST',
      headers: { Origin: SITE_ORIGIN },
      body: new URLSearchParams({ challenge: challengeId, answer: challengeAnswer }),
    });
    expect(solved).toMatchObject({ status: 200, json: { solved: true } });
    const verified = await siteverify(base, site.apiKey, { response: token });
    expect(verified).toMatchObject({ status: 200, json: { success: true } });
    // Single use holds on a full Redis too.
    expect((await siteverify(base, site.apiKey, { response: token })).json).toMatchObject({ error: { error_code: 'response_duplicate' } });
    const fresh = (solved.json as { response: string }).response;
    expect((await siteverify(base, site.apiKey, { response: fresh })).json).toMatchObject({ success: true });

    const refused = await call(`${base}/3.0/captcha`);
    expect(refused).toMatchObject({ status: 503, json: { errors: { code: 'store_unavailable' } } });

    await filler.config('SET', 'maxmemory', String(64 * 1024 * 1024));
    expect((await call(`${base}/readyz`)).status).toBe(200);
    expect((await call(`${base}/3.0/captcha`)).status).toBe(200);
  });
});
