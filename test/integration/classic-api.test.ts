import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeGrayPng } from '../support/png.js';
import { call, issueCaptcha } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';

const V2_MISMATCH = {
  response: { responseString: '' },
  errors: { success: '', faultstring: 'Captcha test failed', action: '', code: '2003' },
  api: { endPoint: 'captcha', verb: 'testCaptcha' },
  request: [],
  client: [],
};
const V3_MISMATCH = { response: [], errors: { code: '401', success: '', faultstring: 'Captcha test failed' } };
const SUCCESS = { response: { testCaptchaResponse: '1' } };

describe('classic image API', () => {
  let cluster: InProcessCluster;
  let base: string;

  beforeAll(async () => {
    cluster = await startInProcessCluster(testConfig(inject('redisUrl')));
    base = cluster.api.url;
    await cluster.waitForFullPool();
  });
  afterAll(() => cluster.stop());

  describe.each(['2.0', '3.0'] as const)('v%s', (version) => {
    it.each([
      ['/captcha', 'captchaResponse'],
      ['/captcha/', 'captchaResponse'],
      ['/captcha/getCaptcha', 'getCaptchaResponse'],
      ['/CAPTCHA/GETCAPTCHA', 'getCaptchaResponse'],
    ])('GET %s issues a captcha under %s', async (path, envelope) => {
      const { status, json, headers } = await call(`${base}/${version}${path}`);
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      const fields = (json as { response: Record<string, Record<string, string>> }).response[envelope];
      expect(fields).toBeDefined();
      const hash = fields?.imageHash ?? '';
      expect(hash).toMatch(/^[0-9a-f]{40}$/);
      expect(fields?.imageUrl).toBe(`${base}/${version}/captcha/getImage/hash/${hash}`);
      if (version === '3.0') {
        expect(fields?.date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        const issuedAt = Date.parse(`${fields?.date?.replace(' ', 'T') ?? ''}Z`);
        expect(Math.abs(Date.now() - issuedAt)).toBeLessThan(5000);
      } else {
        expect(Object.keys(fields ?? {}).sort()).toEqual(['imageHash', 'imageUrl']);
      }
    });

    it('serves the image at imageUrl and at the short form, as an uncached PNG', async () => {
      const { id, imageUrl } = await issueCaptcha(base, version);
      for (const url of [imageUrl, `${base}/${version}/captcha/getImage/${id}`, `${base}/${version}/captcha/getimage/hash/${id}`]) {
        const { status, headers, bytes } = await call(url);
        expect(status).toBe(200);
        expect(headers.get('content-type')).toBe('image/png');
        expect(headers.get('cache-control')).toBe('no-store');
        expect(decodeGrayPng(bytes).width).toBe(240);
      }
    });

    it('accepts the right answer by GET path, once', async () => {
      const { id } = await issueCaptcha(base, version);
      const answer = await cluster.answers.answerOf(id);
      const url = `${base}/${version}/captcha/testCaptcha/hash/${id}/response/${answer.toLowerCase()}`;
      expect(await call(url)).toMatchObject({ status: 200, json: SUCCESS });
      expect((await call(url)).json).toEqual(version === '2.0' ? V2_MISMATCH : V3_MISMATCH);
      expect((await call(`${base}/${version}/captcha/getImage/${id}`)).status).toBe(404);
    });

    it.each([
      ['JSON', (id: string, answer: string) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hash: id, response: answer }) })],
      ['urlencoded', (id: string, answer: string) => ({ body: new URLSearchParams({ hash: id, response: ` ${answer} ` }) })],
      ['multipart', (id: string, answer: string) => {
        const form = new FormData();
        form.set('hash', id);
        form.set('response', answer);
        return { body: form };
      }],
    ])('accepts the right answer by POST with a %s body', async (_, body) => {
      const { id } = await issueCaptcha(base, version);
      const answer = await cluster.answers.answerOf(id);
      const result = await call(`${base}/${version}/captcha/testcaptcha`, { method: 'POST', ...body(id, answer) });
      expect(result).toMatchObject({ status: 200, json: SUCCESS });
    });

    it('answers a wrong string with the mismatch error, and the captcha is gone', async () => {
      const { id } = await issueCaptcha(base, version);
      const answer = await cluster.answers.answerOf(id);
      const wrong = await call(`${base}/${version}/captcha/testCaptcha/hash/${id}/response/WRONG9`);
      expect(wrong.status).toBe(version === '2.0' ? 400 : 401);
      expect(wrong.json).toEqual(version === '2.0' ? V2_MISMATCH : V3_MISMATCH);
      const right = await call(`${base}/${version}/captcha/testCaptcha/hash/${id}/response/${answer}`);
      expect(right.json).toEqual(wrong.json);
    });

    it('answers unknown and malformed hashes exactly like a wrong string', async () => {
      const mismatch = version === '2.0' ? V2_MISMATCH : V3_MISMATCH;
      for (const hash of ['0'.repeat(40), 'not-a-hash', 'f'.repeat(41)]) {
        const result = await call(`${base}/${version}/captcha/testCaptcha/hash/${hash}/response/ABCDEF`);
        expect(result.json).toEqual(mismatch);
      }
      expect((await call(`${base}/${version}/captcha/getImage/hash/${'0'.repeat(40)}`)).status).toBe(404);
      expect((await call(`${base}/${version}/captcha/getImage/hash/zzz`)).status).toBe(404);
    });
  });

  it('gives exactly one success to 200 concurrent checks of one captcha', async () => {
    const { id } = await issueCaptcha(base);
    const answer = await cluster.answers.answerOf(id);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => call(`${base}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(199);
  });

  it('stores a captcha with the configured time to live', async () => {
    const { id } = await issueCaptcha(base);
    const ttl = await cluster.answers.ttlOf(id);
    expect(ttl).toBeGreaterThan(295);
    expect(ttl).toBeLessThanOrEqual(300);
  });

  describe('bad input', () => {
    const post = (body: BodyInit, contentType: string) =>
      call(`${base}/2.0/captcha/testCaptcha`, { method: 'POST', headers: { 'content-type': contentType }, body });

    it('answers malformed JSON with a 400 in the API envelope', async () => {
      const { status, json } = await post('{"hash": ', 'application/json');
      expect(status).toBe(400);
      expect(json).toMatchObject({ errors: { code: 'bad_request' }, api: { endPoint: 'captcha', verb: 'testCaptcha' } });
    });

    it.each([
      ['no fields', '{}'],
      ['no response', JSON.stringify({ hash: 'a'.repeat(40) })],
      ['no hash', JSON.stringify({ response: 'ABCDEF' })],
      ['a list', '[1,2]'],
      ['a number as response', JSON.stringify({ hash: 'a'.repeat(40), response: 7 })],
    ])('answers %s with a 400', async (_, body) => {
      const { status, json } = await post(body, 'application/json');
      expect(status).toBe(400);
      expect(json).toMatchObject({ errors: { code: 'bad_request' } });
    });

    it('does not consume a captcha when the response is missing', async () => {
      const { id } = await issueCaptcha(base, '2.0');
      expect((await post(JSON.stringify({ hash: id }), 'application/json')).status).toBe(400);
      expect((await call(`${base}/2.0/captcha/getImage/${id}`)).status).toBe(200);
    });

    it('refuses a body over the size limit with a 413', async () => {
      const { status, json } = await post(JSON.stringify({ hash: 'a'.repeat(40), response: 'x'.repeat(100_000) }), 'application/json');
      expect(status).toBe(413);
      expect(json).toMatchObject({ errors: { code: 'payload_too_large' } });
    });

    it('answers unknown routes and methods with JSON errors', async () => {
      expect(await call(`${base}/9.0/captcha`)).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
      const wrongMethod = await call(`${base}/3.0/captcha`, { method: 'DELETE' });
      expect(wrongMethod).toMatchObject({ status: 405, json: { errors: { code: 'method_not_allowed' } } });
      const unknownVerb = await call(`${base}/2.0/captcha/nonsense`);
      expect(unknownVerb).toMatchObject({ status: 404, json: { errors: { code: 'not_found' }, api: { endPoint: 'captcha' } } });
    });
  });

  it('reports health and readiness', async () => {
    expect(await call(`${base}/healthz`)).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect(await call(`${base}/readyz`)).toMatchObject({ status: 200, json: { status: 'ready' } });
  });
});

describe('classic image API behind a proxy', () => {
  it('uses PUBLIC_URL for image URLs when set', async () => {
    const cluster = await startInProcessCluster(testConfig(inject('redisUrl'), { PUBLIC_URL: 'https://captcha.example/' }));
    try {
      await cluster.waitForFullPool();
      const { id, imageUrl } = await issueCaptcha(cluster.api.url);
      expect(imageUrl).toBe(`https://captcha.example/3.0/captcha/getImage/hash/${id}`);
    } finally {
      await cluster.stop();
    }
  });

  it('honours X-Forwarded-* only when proxy headers are trusted', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'captcha.example' };
    for (const trust of ['true', 'false']) {
      const cluster = await startInProcessCluster(testConfig(inject('redisUrl'), { TRUST_PROXY: trust }));
      try {
        await cluster.waitForFullPool();
        const { json } = await call(`${cluster.api.url}/2.0/captcha`, { headers: forwarded });
        const { imageUrl } = (json as { response: { captchaResponse: { imageUrl: string } } }).response.captchaResponse;
        expect(imageUrl.startsWith(trust === 'true' ? 'https://captcha.example/2.0/' : `${cluster.api.url}/2.0/`)).toBe(true);
      } finally {
        await cluster.stop();
      }
    }
  });
});
