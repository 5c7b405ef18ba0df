import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/runtime/config.js';
import { call } from '../../tooling/api-client.js';
import { startLocalCluster, type LocalCluster } from '../../tooling/local-cluster.js';
import { scrape, valueOf } from '../support/metrics.js';
import { spawnService } from '../../tooling/service-processes.js';
import { siteverify, solveWidget, withAdmin } from '../../tooling/token-api.js';

type Issued = { response: { captchaResponse: { imageHash: string } } };
const ORIGIN = 'https://shop.example';

/** A GET from a chosen loopback address, so nginx sees a different client IP. */
function getFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('rate limits behind nginx', () => {
  let cluster: LocalCluster;
  let site: { sitekey: string; apiKey: string };

  beforeAll(async () => {
    cluster = await startLocalCluster({
      apis: 2,
      env: { RATE_LIMIT_ISSUE_PER_MINUTE: '5', RATE_LIMIT_SOLVE_PER_MINUTE: '5', RATE_LIMIT_SITEVERIFY_PER_MINUTE: '5' },
    });
    const config = loadConfig({ REDIS_URL: cluster.redis.url, KEY_PREFIX: cluster.prefix });
    site = await withAdmin(config, async (admin) => {
      const created = await admin.createSite({ name: 'shop', origins: [ORIGIN] });
      await admin.setLimits(created.site.sitekey, { issuePerMinute: 2 });
      return { sitekey: created.site.sitekey, apiKey: created.key?.apiKey ?? '' };
    });
  });
  afterAll(() => cluster.stop());

  it('limits issuing per client IP across all API processes, with 429, Retry-After and a metric', async () => {
    const url = `${cluster.nginx.url}/3.0/captcha`;
    const before = (await Promise.all(cluster.apis.map((api) => scrape(`${api.opsUrl}/metrics`)))).map((s) => valueOf(s.samples, 'captcha_rate_limited_total', { action: 'issue' }));
    for (let i = 0; i < 5; i++) expect((await getFrom('127.0.0.2', url)).status).toBe(200);
    const limited = await getFrom('127.0.0.2', url);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(JSON.parse(limited.body)).toMatchObject({ errors: { code: 'rate_limited' } });
    // A forged X-Forwarded-For does not buy a new budget: nginx appends the real address.
    expect((await getFrom('127.0.0.2', url, { 'X-Forwarded-For': '203.0.113.9' })).status).toBe(429);
    // Another client address has its own.
    expect((await getFrom('127.0.0.3', url)).status).toBe(200);
    const after = (await Promise.all(cluster.apis.map((api) => scrape(`${api.opsUrl}/metrics`)))).map((s) => valueOf(s.samples, 'captcha_rate_limited_total', { action: 'issue' }));
    expect(after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('limits checks and siteverify calls, each in its own API envelope', async () => {
    const ids = await Promise.all([1, 2, 3, 4, 5, 6].map(async (n) => ((JSON.parse((await getFrom(`127.0.0.${10 + n}`, `${cluster.nginx.url}/2.0/captcha`)).body)) as Issued).response.captchaResponse.imageHash));
    const checks = [];
    for (const id of ids) checks.push(await getFrom('127.0.0.4', `${cluster.nginx.url}/2.0/captcha/testCaptcha/hash/${id}/response/XXXXXX`));
    expect(checks.slice(0, 5).map((c) => c.status)).toEqual([400, 400, 400, 400, 400]);
    expect(checks[5]?.status).toBe(429);
    expect(JSON.parse(checks[5]?.body ?? '{}')).toMatchObject({ errors: { code: 'rate_limited' }, api: { verb: 'testCaptcha' } });
    // The sixth captcha was not consumed by the refused check.
    expect((await call(`${cluster.nginx.url}/2.0/captcha/getImage/${ids[5] ?? ''}`)).status).toBe(200);

    const results = [];
    for (let i = 0; i < 6; i++) results.push(await siteverify(cluster.nginx.url, site.apiKey, { response: 'v1.x.y' }));
    expect(results.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results[5]).toMatchObject({ status: 429, json: { success: false, error: { error_code: 'rate_limited' } } });
  });

  it('applies a site\'s own limit to its widget', async () => {
    const challenge = () => call(`${cluster.nginx.url}/api/v2/widget/${site.sitekey}/challenge`, { method: 'POST', headers: { Origin: ORIGIN } });
    expect((await challenge()).status).toBe(200);
    expect((await challenge()).status).toBe(200);
    const third = await challenge();
    expect(third.status).toBe(429);
    expect(third.json).toMatchObject({ error: { code: 'rate_limited' } });
    expect(third.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
});

describe('secrets and logs', () => {
  it('never writes an answer, a token or an API key to the logs of a whole run', async () => {
    const cluster = await startLocalCluster({ apis: 2, env: { LOG_LEVEL: 'trace' } });
    try {
      const config = loadConfig({ REDIS_URL: cluster.redis.url, KEY_PREFIX: cluster.prefix });
      const created = await withAdmin(config, (admin) => admin.createSite({ name: 'shop', origins: [ORIGIN] }));
      const apiKey = created.key?.apiKey ?? '';
      const secrets: string[] = [apiKey];
      for (let i = 0; i < 5; i++) {
        const id = ((await call(`${cluster.nginx.url}/3.0/captcha`)).json as Issued).response.captchaResponse.imageHash;
        const answer = await cluster.answers.answerOf(id);
        secrets.push(answer);
        await call(`${cluster.nginx.url}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`);
        const token = await solveWidget(cluster.nginx.url, cluster.answers, created.site.sitekey, ORIGIN);
        secrets.push(token);
        await siteverify(cluster.nginx.url, apiKey, { response: token });
        await siteverify(cluster.nginx.url, `${apiKey}x`, { response: token });
      }
      await cluster.redis.stop(); // error paths log too
      await call(`${cluster.nginx.url}/3.0/captcha`);
      await cluster.redis.start();
      const logs = [...cluster.apis, ...cluster.workers].map((p) => p.output()).join('\n');
      expect(logs.length).toBeGreaterThan(1000);
      expect(logs).toMatch(/"route":"\/3\.0\/captcha\/testCaptcha\/hash\/:hash\/response\/:response"/);
      const leaked = secrets.filter((secret) => logs.includes(secret));
      expect(leaked).toEqual([]);
    } finally {
      await cluster.stop();
    }
  });

  it('refuses to start the API without a token secret: there is no default', async () => {
    const api = spawnService('api', { TOKEN_SECRET: '', PORT: '0', REDIS_URL: 'redis://127.0.0.1:6379', KEY_PREFIX: `s${randomBytes(3).toString('hex')}` });
    const code = await new Promise<number | null>((resolve) => api.child.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).not.toBe(0);
    expect(api.output()).toMatch(/TOKEN_SECRET is required/);
  });
});

describe('security headers and idempotent verification', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    // The study page is an HTML page every API can serve.
    cluster = await startLocalCluster({ apis: 1, env: { STUDY_PAGE: 'true' } });
  });
  afterAll(() => cluster.stop());

  it('sends the headers each kind of response needs: helmet\'s whole set on HTML, nosniff and no-store on the rest, CORP on embedded resources', async () => {
    const id = ((await call(`${cluster.nginx.url}/3.0/captcha`)).json as Issued).response.captchaResponse.imageHash;
    const resources = ['/3.0/captcha', `/3.0/captcha/getImage/${id}`, '/widget.js', '/nowhere', '/api/v2/captcha/siteverify', '/healthz'];
    for (const path of resources) {
      const { headers } = await call(`${cluster.nginx.url}${path}`);
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      // Resources other sites' pages embed say so for pages under COEP; JSON is read through CORS or by servers, where CORP plays no part.
      const embedded = path === '/widget.js' || path.includes('/getImage/');
      expect(headers.get('content-type'), path).toMatch(embedded ? /^(image\/png|application\/javascript)/ : /^application\/json/);
      expect(headers.get('cross-origin-resource-policy'), path).toBe(embedded ? 'cross-origin' : null);
      expect(headers.get('cache-control'), path).toMatch(path === '/widget.js' ? /^public, max-age=\d+$/ : /no-store/);
      // Headers that only matter for documents stay off API responses.
      for (const documentOnly of ['content-security-policy', 'x-frame-options', 'strict-transport-security', 'referrer-policy', 'origin-agent-cluster']) {
        expect(headers.get(documentOnly), `${path} ${documentOnly}`).toBeNull();
      }
    }
    const page = await call(`${cluster.nginx.url}/demo/study`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('returns the same success, marked replayed, to a retried siteverify that carries the same idempotency key', async () => {
    const config = loadConfig({ REDIS_URL: cluster.redis.url, KEY_PREFIX: cluster.prefix });
    const created = await withAdmin(config, (admin) => admin.createSite({ name: 'shop', origins: [ORIGIN] }));
    const apiKey = created.key?.apiKey ?? '';
    const token = await solveWidget(cluster.nginx.url, cluster.answers, created.site.sitekey, ORIGIN);
    const first = await siteverify(cluster.nginx.url, apiKey, { response: token, idempotency_key: 'signup-4711' });
    const retried = await siteverify(cluster.nginx.url, apiKey, { response: token, idempotency_key: 'signup-4711' });
    expect(first.json).toMatchObject({ success: true });
    expect(first.json).not.toHaveProperty('data.replayed');
    const firstData = (first.json as { data: object }).data;
    expect(retried.json).toEqual({ success: true, data: { ...firstData, replayed: true } });
    expect((await siteverify(cluster.nginx.url, apiKey, { response: token, idempotency_key: 'other' })).json).toMatchObject({ error: { error_code: 'response_duplicate' } });
    expect((await siteverify(cluster.nginx.url, apiKey, { response: token })).json).toMatchObject({ error: { error_code: 'response_duplicate' } });
  });
});
