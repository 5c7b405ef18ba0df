import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/runtime/config.js';
import { call } from '../../tooling/api-client.js';
import { startLocalCluster, type LocalCluster } from '../../tooling/local-cluster.js';
import { siteverify, solveWidget, withAdmin } from '../../tooling/token-api.js';

type Issued = { response: { captchaResponse: { imageHash: string } } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('single use and expiry across a cluster of three API processes', () => {
  let cluster: LocalCluster;
  let site: { sitekey: string; apiKey: string };
  const origin = 'https://shop.example';

  beforeAll(async () => {
    cluster = await startLocalCluster({ apis: 3, env: { CAPTCHA_TTL_SECONDS: '2' } });
    site = await withAdmin(loadConfig({ REDIS_URL: cluster.redis.url, KEY_PREFIX: cluster.prefix }), async (admin) => {
      const created = await admin.createSite({ name: 'shop', origins: [origin] });
      return { sitekey: created.site.sitekey, apiKey: created.key?.apiKey ?? '' };
    });
  });
  afterAll(() => cluster.stop());

  const issue = async (base = cluster.nginx.url): Promise<string> =>
    ((await call(`${base}/3.0/captcha`)).json as Issued).response.captchaResponse.imageHash;

  it('gives exactly one success to 1,000 concurrent checks of one captcha, over and over', async () => {
    const trials: { successes: number; mismatches: number }[] = [];
    for (let trial = 0; trial < 5; trial++) {
      const id = await issue();
      const answer = await cluster.answers.answerOf(id);
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => call(`${cluster.apis[i % cluster.apis.length]?.url ?? ''}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`)),
      );
      trials.push({ successes: results.filter((r) => r.status === 200).length, mismatches: results.filter((r) => r.status === 401).length });
    }
    console.log('classic concurrency trials (1,000 checks each):', JSON.stringify(trials));
    for (const trial of trials) expect(trial).toEqual({ successes: 1, mismatches: 999 });
  });

  it('gives exactly one success:true to 1,000 concurrent siteverify calls on one token, over and over', async () => {
    const trials: { successes: number; duplicates: number }[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const token = await solveWidget(cluster.nginx.url, cluster.answers, site.sitekey, origin);
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => siteverify(cluster.apis[i % cluster.apis.length]?.url ?? '', site.apiKey, { response: token })),
      );
      const bodies = results.map((r) => r.json as { success: boolean; error?: { error_code: string } });
      trials.push({ successes: bodies.filter((b) => b.success).length, duplicates: bodies.filter((b) => b.error?.error_code === 'response_duplicate').length });
    }
    console.log('siteverify concurrency trials (1,000 verifies each):', JSON.stringify(trials));
    for (const trial of trials) expect(trial).toEqual({ successes: 1, duplicates: 999 });
  });

  it('fails the right answer after a wrong one, whichever processes serve the two', async () => {
    for (let i = 0; i < 20; i++) {
      const id = await issue(cluster.apis[i % 3]?.url);
      const answer = await cluster.answers.answerOf(id);
      expect((await call(`${cluster.apis[(i + 1) % 3]?.url ?? ''}/3.0/captcha/testCaptcha/hash/${id}/response/WRONG1`)).status).toBe(401);
      expect((await call(`${cluster.apis[(i + 2) % 3]?.url ?? ''}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`)).status).toBe(401);
    }
  });

  it('holds expiry to the second', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map(() => issue()));
    const [early, late, ...images] = ids;
    await sleep(1000);
    expect((await call(`${cluster.nginx.url}/3.0/captcha/testCaptcha/hash/${early ?? ''}/response/${await cluster.answers.answerOf(early ?? '')}`)).status).toBe(200);
    for (const id of images) expect((await call(`${cluster.nginx.url}/3.0/captcha/getImage/${id}`)).status).toBe(200);
    const lateAnswer = await cluster.answers.answerOf(late ?? '');
    await sleep(1100);
    expect((await call(`${cluster.nginx.url}/3.0/captcha/testCaptcha/hash/${late ?? ''}/response/${lateAnswer}`)).status).toBe(401);
    for (const id of images) expect((await call(`${cluster.nginx.url}/3.0/captcha/getImage/${id}`)).status).toBe(404);
  });

  it('answers unknown, used and expired hashes identically, and random hashes never hit', async () => {
    const used = await issue();
    await call(`${cluster.nginx.url}/3.0/captcha/testCaptcha/hash/${used}/response/XXXXXX`);
    const expired = await issue();
    await sleep(2100);
    const shape = async (hash: string) => {
      const test = await call(`${cluster.nginx.url}/3.0/captcha/testCaptcha/hash/${hash}/response/ABCDEF`);
      const image = await call(`${cluster.nginx.url}/3.0/captcha/getImage/${hash}`);
      return { test: [test.status, test.json], image: [image.status, image.json] };
    };
    const unknown = await shape(randomBytes(20).toString('hex'));
    expect(await shape(used)).toEqual(unknown);
    expect(await shape(expired)).toEqual(unknown);
    const random = await Promise.all(Array.from({ length: 1000 }, () => call(`${cluster.nginx.url}/2.0/captcha/testCaptcha/hash/${randomBytes(20).toString('hex')}/response/ABCDEF`)));
    expect(random.filter((r) => r.status !== 400)).toEqual([]);
    const tokens = await Promise.all(Array.from({ length: 200 }, () => siteverify(cluster.nginx.url, site.apiKey, { response: `v1.${randomBytes(120).toString('base64url')}.${randomBytes(32).toString('base64url')}` })));
    expect(tokens.every((r) => (r.json as { error?: { error_code: string } }).error?.error_code === 'response_invalid')).toBe(true);
  });

  it('leaves no key of ours without a time to live, except the pool, pooled captchas, and the site and key records', async () => {
    await cluster.waitForPool(1);
    // Pool ids read before and after the scan, as workers may be topping the pool up meanwhile.
    const pooledBefore = await cluster.answers.pooledIds();
    const keys = await cluster.answers.keysWithTtl(cluster.prefix);
    const pooledIds = [...pooledBefore, ...(await cluster.answers.pooledIds())];
    expect(keys.length).toBeGreaterThan(4);
    const p = cluster.prefix;
    const allowedForever = [
      new RegExp(`^${p}:pool-ids:`),
      new RegExp(`^${p}:(site|account|account-keys|account-key-info|account-key-uses|api-key):\\{`),
      new RegExp(`^${p}:(sites|accounts|epoch)$`),
      new RegExp(`^${p}:admin-audit$`), // a stream capped by length, not by time
      new RegExp(`^\\{${p}:queue\\}:`), // BullMQ's own bookkeeping
    ];
    // A captcha waits for its issue with no time to live, but only while its id is in a pool list.
    const pooled = new Set(pooledIds.map((id) => `{${id.slice(0, 4)}}${id.slice(4)}`));
    const isPooledCaptcha = (key: string): boolean => key.startsWith(`${p}:captcha:`) && pooled.has(key.slice(`${p}:captcha:`.length));
    expect(keys.some((k) => isPooledCaptcha(k.key))).toBe(true);
    const forever = keys.filter((k) => k.ttl === -1 && !isPooledCaptcha(k.key) && !allowedForever.some((pattern) => pattern.test(k.key)));
    expect(forever).toEqual([]);
    expect(keys.some((k) => k.key.includes(':used-token:') && k.ttl > 0)).toBe(true);
  });
});
