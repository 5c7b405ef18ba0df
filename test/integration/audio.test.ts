import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultClipsDir } from '../../shared/adapters/audio-clip-files.js';
import { decodeWav, WAVE_FORMAT_MULAW } from '../../shared/domain/audio/wav.js';
import { buildAudioClips } from '../../scripts/build-audio-clips.js';
import { call, issueCaptcha } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';
import { createSite, SITE_ORIGIN, withAdmin } from '../../tooling/token-api.js';

const V2_MISMATCH = { errors: { code: '2003' } };
const V3_MISMATCH = { errors: { code: '401' } };

/** A six-character answer spoken with its pauses: between about 2.5 and 6 seconds. */
function expectSpokenWav(bytes: Buffer): void {
  const wav = decodeWav(bytes);
  expect(wav).toMatchObject({ format: WAVE_FORMAT_MULAW, sampleRate: 8000, channels: 1, bitsPerSample: 8 });
  expect(wav.duration).toBeGreaterThan(2.5);
  expect(wav.duration).toBeLessThan(6);
  expect(bytes.length).toBeLessThan(48_000);
}

describe('audio captchas', () => {
  let cluster: InProcessCluster;
  let base: string;

  beforeAll(async () => {
    // The API speaks from the clips `npm run build` makes; a test run from source makes them if need be.
    buildAudioClips(defaultClipsDir());
    // A pow+image site shows every client an image from its first challenge on.
    cluster = await startInProcessCluster(testConfig(inject('redisUrl'), { RATE_LIMIT_AUDIO_PER_MINUTE: '0', STEP_UP_CHALLENGES: '1' }));
    base = cluster.api.url;
    await cluster.waitForFullPool();
  });
  afterAll(() => cluster.stop());

  describe.each(['2.0', '3.0'] as const)('classic v%s', (version) => {
    it('speaks a live captcha at getAudio/hash/<hash> and getAudio/<hash>, as an uncached WAV, differently each time', async () => {
      const { id } = await issueCaptcha(base, version);
      const urls = [
        `${base}/${version}/captcha/getAudio/hash/${id}`,
        `${base}/${version}/captcha/getAudio/${id}`,
        `${base}/${version}/captcha/getaudio/hash/${id}`,
      ];
      const clips: Buffer[] = [];
      for (const url of urls) {
        const { status, headers, bytes } = await call(url);
        expect(status).toBe(200);
        expect(headers.get('content-type')).toBe('audio/wav');
        expect(headers.get('cache-control')).toBe('no-store');
        expectSpokenWav(bytes);
        clips.push(bytes);
      }
      // Random timing, speed and noise: never the same bytes twice.
      expect(clips[0]?.equals(clips[1] ?? Buffer.alloc(0))).toBe(false);
      expect(clips[1]?.equals(clips[2] ?? Buffer.alloc(0))).toBe(false);
    });

    it('never consumes the captcha: it can still be answered once, and then has no audio', async () => {
      const { id } = await issueCaptcha(base, version);
      const answer = await cluster.answers.answerOf(id);
      expect((await call(`${base}/${version}/captcha/getAudio/hash/${id}`)).status).toBe(200);
      expect((await call(`${base}/${version}/captcha/getImage/hash/${id}`)).status).toBe(200);
      const test = await call(`${base}/${version}/captcha/testCaptcha/hash/${id}/response/${answer}`);
      expect(test).toMatchObject({ status: 200, json: { response: { testCaptchaResponse: '1' } } });
      const gone = await call(`${base}/${version}/captcha/getAudio/hash/${id}`);
      expect(gone.status).toBe(404);
      if (version === '2.0') {
        expect(gone.json).toMatchObject({ errors: { code: 'captcha_not_found' }, api: { endPoint: 'captcha', verb: 'getAudio' } });
      } else {
        expect(gone.json).toMatchObject({ response: [], errors: { code: 'captcha_not_found' } });
      }
      // and the answer stays used
      expect((await call(`${base}/${version}/captcha/testCaptcha/hash/${id}/response/${answer}`)).json).toMatchObject(
        version === '2.0' ? V2_MISMATCH : V3_MISMATCH,
      );
    });

    it('answers 404 for junk and unknown hashes', async () => {
      for (const hash of ['0'.repeat(40), 'zzz', 'f'.repeat(41), '%00']) {
        const result = await call(`${base}/${version}/captcha/getAudio/hash/${hash}`);
        expect(result.status).toBe(404);
        expect(result.headers.get('content-type')).toContain('application/json');
      }
    });
  });

  describe('widget', () => {
    let sitekey: string;
    beforeAll(async () => {
      sitekey = (await createSite(cluster.config, [SITE_ORIGIN, 'https://www.shop.example'])).sitekey;
    });
    const challenge = async (origin = SITE_ORIGIN): Promise<string> =>
      ((await call(`${base}/api/v2/widget/${sitekey}/challenge`, { method: 'POST', headers: { Origin: origin } })).json as { challenge: string })
        .challenge;
    const listen = (id: string, origin = SITE_ORIGIN, method = 'POST') =>
      call(`${base}/api/v2/widget/${sitekey}/audio/${id}`, { method, headers: origin ? { Origin: origin } : {} });

    it('speaks the page\'s current challenge by POST or GET, with CORS for that page', async () => {
      const id = await challenge();
      const posted = await listen(id);
      expect(posted.status).toBe(200);
      expect(posted.headers.get('content-type')).toBe('audio/wav');
      expect(posted.headers.get('cache-control')).toBe('no-store');
      expect(posted.headers.get('access-control-allow-origin')).toBe(SITE_ORIGIN);
      expectSpokenWav(posted.bytes);
      const got = await listen(id, SITE_ORIGIN, 'GET');
      expect(got.status).toBe(200);
      expect(got.bytes.equals(posted.bytes)).toBe(false);
    });

    it('leaves the challenge to be solved once, then has no audio for it', async () => {
      const id = await challenge();
      const answer = await cluster.answers.answerOf(id);
      expect((await listen(id)).status).toBe(200);
      const solved = await call(`${base}/api/v2/widget/${sitekey}/solve`, {
        method: 'POST',
        headers: { Origin: SITE_ORIGIN },
        body: new URLSearchParams({ challenge: id, answer }),
      });
      expect(solved.json).toMatchObject({ solved: true });
      expect(await listen(id)).toMatchObject({ status: 404, json: { error: { code: 'challenge_expired' } } });
    });

    it('speaks a challenge only to the page it was issued to, and never a classic captcha', async () => {
      const id = await challenge();
      expect(await listen(id, 'https://www.shop.example')).toMatchObject({ status: 404, json: { error: { code: 'challenge_expired' } } });
      expect(await listen(id, 'https://evil.example')).toMatchObject({ status: 403, json: { error: { code: 'origin_not_allowed' } } });
      expect(await listen(id, '')).toMatchObject({ status: 403 }); // no Origin header at all
      const classic = await issueCaptcha(base);
      expect((await listen(classic.id)).status).toBe(404);
      // None of these consumed it.
      expect((await listen(id)).status).toBe(200);
    });

    it('speaks a step-up image of a pow+image site, to its page only', async () => {
      const stepUp = (await createSite(cluster.config, [SITE_ORIGIN, 'https://www.shop.example'])).sitekey;
      await withAdmin(cluster.config, (admin) => admin.setMode(stepUp, 'pow+image'));
      const reply = await call(`${base}/api/v2/widget/${stepUp}/challenge`, { method: 'POST', headers: { Origin: SITE_ORIGIN } });
      const { mode, challenge: id, image } = reply.json as { mode: string; challenge?: string; image?: string };
      expect(mode).toBe('pow+image');
      expect(image).toMatch(/^data:image\/png;base64,/);
      expect(id).toMatch(/^[0-9a-f]{40}$/);
      const url = `${base}/api/v2/widget/${stepUp}/audio/${id ?? ''}`;
      const heard = await call(url, { method: 'POST', headers: { Origin: SITE_ORIGIN } });
      expect(heard.status).toBe(200);
      expectSpokenWav(heard.bytes);
      expect((await call(url, { method: 'POST', headers: { Origin: 'https://www.shop.example' } })).status).toBe(404);
      // Another site's page never hears it, even with the right id.
      expect((await listen(id ?? '')).status).toBe(404);
    });

    it('answers 4xx for junk challenge ids and unknown sites', async () => {
      for (const junk of ['0'.repeat(40), 'nope', 'A'.repeat(40)]) expect((await listen(junk)).status).toBe(404);
      const unknown = await call(`${base}/api/v2/widget/FCAAAAAAAAAAAAAA/audio/${'0'.repeat(40)}`, { method: 'POST', headers: { Origin: SITE_ORIGIN } });
      expect(unknown).toMatchObject({ status: 404, json: { error: { code: 'sitekey_unknown' } } });
    });
  });
});

describe('audio rate limit', () => {
  let cluster: InProcessCluster;

  beforeAll(async () => {
    buildAudioClips(defaultClipsDir());
    cluster = await startInProcessCluster(testConfig(inject('redisUrl'), { RATE_LIMIT_AUDIO_PER_MINUTE: '3' }), { withWorker: false });
  });
  afterAll(() => cluster.stop());

  it('holds each client to RATE_LIMIT_AUDIO_PER_MINUTE, unknown hashes included', async () => {
    const url = `${cluster.api.url}/3.0/captcha/getAudio/hash/${'0'.repeat(40)}`;
    for (let i = 0; i < 3; i++) expect((await call(url)).status).toBe(404);
    const limited = await call(url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.json).toMatchObject({ errors: { code: 'rate_limited' } });
  });
});
