import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { decodeGrayPng } from '../support/png.js';
import { testConfig } from '../support/test-config.js';
import { createSite, siteverify, withAdmin, SITE_ORIGIN } from '../../tooling/token-api.js';

describe('widget endpoints', () => {
  let cluster: InProcessCluster;
  let base: string;
  let site: { sitekey: string; apiKey: string; accountId: string };

  beforeAll(async () => {
    cluster = await startInProcessCluster(testConfig(inject('redisUrl')));
    base = cluster.api.url;
    site = await createSite(cluster.config, [SITE_ORIGIN, 'https://www.shop.example']);
    await cluster.waitForFullPool();
  });
  afterAll(() => cluster.stop());

  const challenge = (origin: string | undefined, sitekey = site.sitekey) =>
    call(`${base}/api/v2/widget/${sitekey}/challenge`, { method: 'POST', headers: origin ? { Origin: origin } : {} });
  const solve = (id: string, answer: string, origin = SITE_ORIGIN) =>
    call(`${base}/api/v2/widget/${site.sitekey}/solve`, { method: 'POST', headers: { Origin: origin }, body: new URLSearchParams({ challenge: id, answer }) });

  it('issues an image challenge to an allowed origin, with CORS for that origin only', async () => {
    const result = await challenge(SITE_ORIGIN);
    expect(result.status).toBe(200);
    expect(result.headers.get('access-control-allow-origin')).toBe(SITE_ORIGIN);
    const body = result.json as { challenge: string; image: string; expiresAt: string };
    expect(body.challenge).toMatch(/^[0-9a-f]{40}$/);
    const png = Buffer.from(body.image.replace(/^data:image\/png;base64,/, ''), 'base64');
    expect(decodeGrayPng(png).width).toBe(240);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(290_000);
  });

  it('refuses unknown sitekeys and origins the site does not allow', async () => {
    expect(await challenge(SITE_ORIGIN, 'FCAAAAAAAAAAAAAA')).toMatchObject({ status: 404, json: { error: { code: 'sitekey_unknown' } } });
    expect(await challenge(SITE_ORIGIN, 'not-a-sitekey')).toMatchObject({ status: 404 });
    const evil = await challenge('https://evil.example');
    expect(evil).toMatchObject({ status: 403, json: { error: { code: 'origin_not_allowed' } } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(await challenge(undefined)).toMatchObject({ status: 403 });
  });

  it('answers CORS preflights for the site\'s origins only', async () => {
    const preflight = (origin: string) =>
      call(`${base}/api/v2/widget/${site.sitekey}/solve`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
    const allowed = await preflight('https://www.shop.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://www.shop.example');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST');
    const refused = await preflight('https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a malformed solve with 400 bad_request and leaves the challenge live', async () => {
    const id = (((await challenge(SITE_ORIGIN)).json) as { challenge: string }).challenge;
    const post = (body: BodyInit, contentType?: string) =>
      call(`${base}/api/v2/widget/${site.sitekey}/solve`, {
        method: 'POST',
        headers: { Origin: SITE_ORIGIN, ...(contentType ? { 'Content-Type': contentType } : {}) },
        body,
      });
    for (const bad of [
      post(new URLSearchParams({ challenge: id })),
      post(new URLSearchParams({ answer: 'ABCDEF' })),
      post(JSON.stringify({ challenge: id, answer: 7 }), 'application/json'),
      post(JSON.stringify({ challenge: id, answer: 'A'.repeat(65) }), 'application/json'),
      post(JSON.stringify([id, 'ABCDEF']), 'application/json'),
    ]) {
      expect(await bad).toMatchObject({ status: 400, json: { error: { code: 'bad_request' } } });
    }
    const answer = await cluster.answers.answerOf(id);
    expect((await solve(id, answer)).json).toMatchObject({ solved: true });
  });

  it('turns a right answer into a response token', async () => {
    const id = (((await challenge(SITE_ORIGIN)).json) as { challenge: string }).challenge;
    const result = await solve(id, (await cluster.answers.answerOf(id)).toLowerCase());
    const body = result.json as { solved: boolean; response: string; expiresAt: string };
    expect(body.solved).toBe(true);
    expect(body.response.length).toBeLessThanOrEqual(1024);
    expect(body.response).not.toContain(id);
    expect(result.headers.get('access-control-allow-origin')).toBe(SITE_ORIGIN);
  });

  it('reports a wrong answer clearly and consumes the challenge', async () => {
    const id = (((await challenge(SITE_ORIGIN)).json) as { challenge: string }).challenge;
    const answer = await cluster.answers.answerOf(id);
    expect((await solve(id, 'WRONG1')).json).toMatchObject({ solved: false, error: { code: 'wrong_answer' } });
    expect((await solve(id, answer)).json).toMatchObject({ solved: false, error: { code: 'challenge_expired' } });
  });

  it('binds a challenge to the page origin it was issued to', async () => {
    const id = (((await challenge(SITE_ORIGIN)).json) as { challenge: string }).challenge;
    const answer = await cluster.answers.answerOf(id);
    expect((await solve(id, answer, 'https://www.shop.example')).json).toMatchObject({ solved: false, error: { code: 'wrong_answer' } });
  });

  it('does not accept classic captchas as widget challenges', async () => {
    const classic = (await call(`${base}/3.0/captcha`)).json as { response: { captchaResponse: { imageHash: string } } };
    const id = classic.response.captchaResponse.imageHash;
    expect((await solve(id, await cluster.answers.answerOf(id))).json).toMatchObject({ solved: false, error: { code: 'wrong_answer' } });
  });

  it('applies a change of allowed origins at once, without a restart', async () => {
    await withAdmin(cluster.config, (admin) => admin.setOrigins(site.sitekey, ['https://new.shop.example']));
    try {
      expect((await challenge(SITE_ORIGIN)).status).toBe(403);
      expect((await challenge('https://new.shop.example')).status).toBe(200);
    } finally {
      await withAdmin(cluster.config, (admin) => admin.setOrigins(site.sitekey, [SITE_ORIGIN, 'https://www.shop.example']));
    }
  });

  it('serves the widget script', async () => {
    const result = await call(`${base}/widget.js`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toContain('javascript');
    const script = result.bytes.toString();
    expect(script).toContain('frc-captcha-response');
    expect(script).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/i);
  });

  it('keeps the siteverify answer of a widget token consistent with the solve', async () => {
    const id = (((await challenge('https://www.shop.example')).json) as { challenge: string }).challenge;
    const solved = (await solve(id, await cluster.answers.answerOf(id), 'https://www.shop.example')).json as { response: string };
    const verified = await siteverify(base, site.apiKey, { response: solved.response, sitekey: site.sitekey });
    expect(verified.json).toMatchObject({ success: true, data: { challenge: { origin: 'https://www.shop.example' } } });
  });
});
