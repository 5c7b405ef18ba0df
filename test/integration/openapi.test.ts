import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openApiDocument } from '../../services/api/openapi/openapi-document.js';
import { call } from '../../tooling/api-client.js';
import { createSite, SITE_ORIGIN } from '../../tooling/token-api.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The description itself, and the routes no feature test reaches: the demo
 * and study pages and the widget's preflights. Every answer here is also
 * checked against the description (test/support/openapi-responses.ts).
 */
describe('the public port as its OpenAPI description says', () => {
  let cluster: InProcessCluster;
  let base: string;
  let sitekey: string;

  beforeAll(async () => {
    const first = testConfig(inject('redisUrl'));
    const site = await createSite(first);
    sitekey = site.sitekey;
    cluster = await startInProcessCluster(
      testConfig(inject('redisUrl'), { KEY_PREFIX: first.keyPrefix, DEMO_SITEKEY: site.sitekey, DEMO_API_KEY: site.apiKey, STUDY_PAGE: 'true' }),
    );
    base = cluster.api.url;
    await cluster.waitForFullPool();
  });
  afterAll(() => cluster.stop());

  it('serves the description at /openapi.json, readable from any origin', async () => {
    const served = await call(`${base}/openapi.json`);
    expect(served.status).toBe(200);
    expect(served.json).toEqual(openApiDocument(packageVersion));
    expect(served.headers.get('access-control-allow-origin')).toBe('*');
  });

  it.each(['challenge', 'solve', 'proof'])('answers the CORS preflight of /%s for the site\'s origins only', async (endpoint) => {
    const preflight = (origin: string) =>
      call(`${base}/api/v2/widget/${sitekey}/${endpoint}`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
    const allowed = await preflight(SITE_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SITE_ORIGIN);
    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(200);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the demo form with the widget, dressed by its query', async () => {
    const page = await call(`${base}/demo?theme=dark&lang=ar&size=compact`);
    expect(page.status).toBe(200);
    const html = page.bytes.toString('utf8');
    expect(html).toContain(`data-sitekey="${sitekey}"`);
    expect(html).toContain('data-theme="dark" data-lang="ar" data-size="compact"');
  });

  it('runs the reading study: a captcha, its answer once, and a 400 for a malformed answer', async () => {
    expect((await call(`${base}/demo/study`)).status).toBe(200);
    const captcha = await call(`${base}/demo/study/captcha`, { method: 'POST' });
    const { id } = captcha.json as { id: string };
    const answer = await cluster.answers.answerOf(id);
    const answered = await call(`${base}/demo/study/answer`, { method: 'POST', body: new URLSearchParams({ id, answer }) });
    expect(answered).toMatchObject({ status: 200, json: { correct: true } });
    const again = await call(`${base}/demo/study/answer`, { method: 'POST', body: new URLSearchParams({ id, answer }) });
    expect(again).toMatchObject({ status: 404, json: { error: { code: 'captcha_not_found' } } });
    const malformed = await call(`${base}/demo/study/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id": 7}' });
    expect(malformed).toMatchObject({ status: 400, json: { error: { code: 'bad_request' } } });
  });

  it('serves the study script once built, and says so before', async () => {
    const built = existsSync(new URL('../../dist/widget/study.js', import.meta.url));
    const script = await call(`${base}/demo/study.js`);
    expect(script.status).toBe(built ? 200 : 503);
  });
});
