import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { scrape, valueOf } from '../support/metrics.js';
import { testConfig } from '../support/test-config.js';
import { createSite, siteverify, solveWidget, withAdmin, SITE_ORIGIN } from '../../tooling/token-api.js';

type Failure = { success: false; error: { error_code: string; detail: string } };

describe('siteverify', () => {
  let cluster: InProcessCluster;
  let base: string;
  let site: { sitekey: string; apiKey: string; accountId: string };
  let otherSite: { sitekey: string; apiKey: string; accountId: string };
  const token = () => solveWidget(base, cluster.answers, site.sitekey);

  beforeAll(async () => {
    cluster = await startInProcessCluster(testConfig(inject('redisUrl'), { POOL_TARGET_SIZE: '300', POOL_LOW_WATERMARK: '100' }));
    base = cluster.api.url;
    site = await createSite(cluster.config);
    otherSite = await createSite(cluster.config, ['https://other.example']);
    await cluster.waitForFullPool();
  });
  afterAll(() => cluster.stop());

  const expectFailure = (result: { status: number; json: unknown }, status: number, code: string) => {
    expect(result.status).toBe(status);
    const body = result.json as Failure;
    expect(body.success).toBe(false);
    expect(body.error.error_code).toBe(code);
    expect(body.error.detail.length).toBeGreaterThan(5);
  };

  it('accepts a fresh token, reporting when and where it was solved', async () => {
    const before = Date.now();
    const result = await siteverify(base, site.apiKey, { response: await token(), sitekey: site.sitekey });
    expect(result.status).toBe(200);
    const body = result.json as { success: true; data: { challenge: { timestamp: string; origin: string } } };
    expect(body.success).toBe(true);
    expect(body.data.challenge.origin).toBe(SITE_ORIGIN);
    expect(body.data.challenge.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const solvedAt = Date.parse(body.data.challenge.timestamp);
    expect(solvedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(solvedAt).toBeLessThanOrEqual(Date.now());
  });

  it.each(['json', 'form', 'multipart'] as const)('accepts a %s body', async (encoding) => {
    const result = await siteverify(base, site.apiKey, { response: await token() }, encoding);
    expect(result.json).toMatchObject({ success: true });
  });

  it('auth_required (401): no X-API-Key header', async () => {
    expectFailure(await siteverify(base, undefined, { response: await token() }), 401, 'auth_required');
  });

  it('auth_invalid (401): an unknown API key', async () => {
    expectFailure(await siteverify(base, 'cck_not-a-real-key', { response: await token() }), 401, 'auth_invalid');
  });

  it('auth_invalid (401): a revoked API key, while the account\'s other key keeps working', async () => {
    const second = await withAdmin(cluster.config, (admin) => admin.addKey(site.accountId));
    expect((await siteverify(base, second.apiKey, { response: await token() })).json).toMatchObject({ success: true });
    await withAdmin(cluster.config, (admin) => admin.revokeKey(site.accountId, second.keyId));
    expectFailure(await siteverify(base, second.apiKey, { response: await token() }), 401, 'auth_invalid');
    expect((await siteverify(base, site.apiKey, { response: await token() })).json).toMatchObject({ success: true });
  });

  it('sitekey_invalid (400): a sitekey of another account, or no site at all', async () => {
    const response = await token();
    expectFailure(await siteverify(base, site.apiKey, { response, sitekey: otherSite.sitekey }), 400, 'sitekey_invalid');
    expectFailure(await siteverify(base, site.apiKey, { response, sitekey: 'FCAAAAAAAAAAAAAA' }), 400, 'sitekey_invalid');
    expectFailure(await siteverify(base, site.apiKey, { response, sitekey: 'garbage' }), 400, 'sitekey_invalid');
    // None of that consumed the token.
    expect((await siteverify(base, site.apiKey, { response })).json).toMatchObject({ success: true });
  });

  it('response_missing (400): no response parameter', async () => {
    expectFailure(await siteverify(base, site.apiKey, { sitekey: site.sitekey }), 400, 'response_missing');
    expectFailure(await siteverify(base, site.apiKey, { response: '', sitekey: site.sitekey }), 400, 'response_missing');
    // Any parsable object without it, the empty object included, in every body format.
    for (const encoding of ['json', 'form', 'multipart'] as const) {
      expectFailure(await siteverify(base, site.apiKey, { other: 'x' }, encoding), 400, 'response_missing');
    }
    expectFailure(await siteverify(base, site.apiKey, {}), 400, 'response_missing');
  });

  it('response_invalid (200): forged, malformed, tampered and wrong-site tokens', async () => {
    const genuine = await token();
    const [version, body, signature] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString()) as unknown[];
    claims[4] = (claims[4] as number) - 60_000; // claim an earlier solve
    const tampered = `${version}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const forged = `${version}.${body}.${Buffer.alloc(32, 7).toString('base64url')}`;
    for (const response of ['nonsense', 'v1.x.y', forged, tampered, 'x'.repeat(5000), `${genuine}.extra`]) {
      expectFailure(await siteverify(base, site.apiKey, { response }), 200, 'response_invalid');
    }
    // A genuine token of another account's site is invalid for this account's key.
    const foreign = await solveWidget(base, cluster.answers, otherSite.sitekey, 'https://other.example');
    expectFailure(await siteverify(base, site.apiKey, { response: foreign }), 200, 'response_invalid');
    // And a token of this account's other site does not pass a check for this sitekey.
    const sibling = await withAdmin(cluster.config, (admin) =>
      admin.createSite({ name: 'blog', origins: [SITE_ORIGIN], accountId: site.accountId }),
    );
    const siblingToken = await solveWidget(base, cluster.answers, sibling.site.sitekey);
    expectFailure(await siteverify(base, site.apiKey, { response: siblingToken, sitekey: site.sitekey }), 200, 'response_invalid');
    expect((await siteverify(base, site.apiKey, { response: genuine })).json).toMatchObject({ success: true });
  });

  it('response_duplicate (200): a token verified before', async () => {
    const response = await token();
    expect((await siteverify(base, site.apiKey, { response })).json).toMatchObject({ success: true });
    expectFailure(await siteverify(base, site.apiKey, { response }), 200, 'response_duplicate');
  });

  it('bad_request (400): an empty or unparsable body', async () => {
    const post = (body: string, contentType: string) =>
      call(`${base}/api/v2/captcha/siteverify`, { method: 'POST', headers: { 'X-API-Key': site.apiKey, 'Content-Type': contentType }, body });
    expectFailure(await post('', 'application/json'), 400, 'bad_request');
    expectFailure(await post('{"response": ', 'application/json'), 400, 'bad_request');
    expectFailure(await post('[1, 2]', 'application/json'), 400, 'bad_request');
    expectFailure(await post('response=abc', 'text/plain'), 400, 'bad_request');
    expectFailure(await post(JSON.stringify({ response: 12 }), 'application/json'), 400, 'bad_request');
    expectFailure(await post('x'.repeat(100_000), 'application/x-www-form-urlencoded'), 413, 'bad_request');
  });

  it('lets a retry with the same idempotency_key through once more, marked replayed and counted apart', async () => {
    const success = () => scrape(`${cluster.api.opsUrl}/metrics`).then(({ samples }) => ({
      success: valueOf(samples, 'captcha_verifications_total', { api: 'siteverify', outcome: 'success' }),
      replayed: valueOf(samples, 'captcha_verifications_total', { api: 'siteverify', outcome: 'replayed' }),
    }));
    const before = await success();
    const response = await token();
    const first = await siteverify(base, site.apiKey, { response, idempotency_key: 'order-9' });
    expect(first.json).toMatchObject({ success: true });
    expect(first.json).not.toHaveProperty('data.replayed');
    for (let i = 0; i < 4; i++) {
      const retried = await siteverify(base, site.apiKey, { response, idempotency_key: 'order-9' }, 'form');
      expect(retried.json).toEqual({ success: true, data: { ...(first.json as { data: object }).data, replayed: true } });
    }
    expectFailure(await siteverify(base, site.apiKey, { response, idempotency_key: 'order-10' }), 200, 'response_duplicate');
    expect(await success()).toEqual({ success: before.success + 1, replayed: before.replayed + 4 });
  });

  it('refuses an idempotent retry after the retry window', async () => {
    const windowed = await startInProcessCluster(testConfig(inject('redisUrl'), { KEY_PREFIX: cluster.config.keyPrefix, SITEVERIFY_RETRY_WINDOW_SECONDS: '1' }), { withWorker: false });
    try {
      const response = await token();
      expect((await siteverify(windowed.api.url, site.apiKey, { response, idempotency_key: 'late' })).json).toMatchObject({ success: true });
      expect((await siteverify(windowed.api.url, site.apiKey, { response, idempotency_key: 'late' })).json).toMatchObject({ data: { replayed: true } });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expectFailure(await siteverify(windowed.api.url, site.apiKey, { response, idempotency_key: 'late' }), 200, 'response_duplicate');
    } finally {
      await windowed.stop();
    }
  });

  it('method_not_allowed (405): any method but POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      expectFailure(await call(`${base}/api/v2/captcha/siteverify`, { method, headers: { 'X-API-Key': site.apiKey } }), 405, 'method_not_allowed');
    }
  });

  it('gives exactly one success to 200 concurrent verifies of one token', async () => {
    const response = await token();
    const results = await Promise.all(Array.from({ length: 200 }, () => siteverify(base, site.apiKey, { response })));
    const bodies = results.map((r) => r.json as { success: boolean; error?: { error_code: string } });
    expect(bodies.filter((b) => b.success)).toHaveLength(1);
    expect(bodies.filter((b) => b.error?.error_code === 'response_duplicate')).toHaveLength(199);
  });
});

describe('siteverify with a short token lifetime', () => {
  it('response_timeout (200): a token older than TOKEN_TTL_SECONDS', async () => {
    const cluster = await startInProcessCluster(testConfig(inject('redisUrl'), { TOKEN_TTL_SECONDS: '1' }));
    try {
      const site = await createSite(cluster.config);
      await cluster.waitForFullPool();
      const response = await solveWidget(cluster.api.url, cluster.answers, site.sitekey);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const result = await siteverify(cluster.api.url, site.apiKey, { response });
      expect(result.status).toBe(200);
      expect(result.json).toMatchObject({ success: false, error: { error_code: 'response_timeout' } });
    } finally {
      await cluster.stop();
    }
  });
});
