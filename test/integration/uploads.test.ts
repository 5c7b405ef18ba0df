import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, issueCaptcha } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';
import { createSite, SITE_ORIGIN } from '../../tooling/token-api.js';

/** A multipart body with `files` one-byte file parts and a field, as a hostile client would send it. */
function filesForm(files: number): FormData {
  const form = new FormData();
  form.set('hash', 'a'.repeat(40));
  form.set('response', 'ABCDEF');
  for (let i = 0; i < files; i++) form.append(`f${i}`, new Blob(['x']), `f${i}.txt`);
  return form;
}

describe('multipart bodies never reach the disk', () => {
  let cluster: InProcessCluster;
  let base: string;
  let sitekey: string;
  let apiKey: string;
  let scratch: string;
  const savedTmp = process.env.TMPDIR;

  beforeAll(async () => {
    // Parsers that spill files write to os.tmpdir(), which follows TMPDIR: point it at an empty folder to watch.
    scratch = mkdtempSync(join(tmpdir(), 'uploads-'));
    process.env.TMPDIR = scratch;
    const first = testConfig(inject('redisUrl'));
    const site = await createSite(first);
    sitekey = site.sitekey;
    apiKey = site.apiKey;
    cluster = await startInProcessCluster(
      testConfig(inject('redisUrl'), { KEY_PREFIX: first.keyPrefix, DEMO_SITEKEY: site.sitekey, DEMO_API_KEY: site.apiKey }),
    );
    base = cluster.api.url;
    await cluster.waitForFullPool();
  });
  afterAll(async () => {
    await cluster.stop();
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(scratch, { recursive: true, force: true });
  });

  const targets = (): [string, string, Record<string, string>][] => [
    ['classic v2 testCaptcha', `${base}/2.0/captcha/testCaptcha`, {}],
    ['classic v3 testCaptcha', `${base}/3.0/captcha/testCaptcha`, {}],
    ['widget solve, allowed origin', `${base}/api/v2/widget/${sitekey}/solve`, { Origin: SITE_ORIGIN }],
    ['widget solve, foreign origin', `${base}/api/v2/widget/${sitekey}/solve`, { Origin: 'https://evil.example' }],
    ['demo submit', `${base}/demo/submit`, {}],
    ['siteverify', `${base}/api/v2/captcha/siteverify`, { 'X-API-Key': apiKey }],
  ];

  it('answers a burst of file uploads on every form endpoint with a 4xx and writes no file', async () => {
    const issued = await issueCaptcha(base);
    const answer = await cluster.answers.answerOf(issued.id);
    for (const [name, url, headers] of targets()) {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => call(url, { method: 'POST', headers, body: filesForm(6) })),
      );
      for (const result of results) {
        expect(result.status, name).toBeGreaterThanOrEqual(400);
        expect(result.status, name).toBeLessThan(500);
      }
    }
    expect(readdirSync(scratch)).toEqual([]);
    // Nothing issued before the burst was consumed by it.
    const check = await call(`${base}/3.0/captcha/testCaptcha/hash/${issued.id}/response/${answer}`);
    expect(check.json).toEqual({ response: { testCaptchaResponse: '1' } });
  });

  it('names the problem: files_not_accepted, or the foreign origin before any parsing', async () => {
    const [, classicUrl] = targets()[1] ?? [];
    const classic = await call(classicUrl ?? '', { method: 'POST', body: filesForm(1) });
    expect(classic).toMatchObject({ status: 400, json: { errors: { code: 'files_not_accepted' } } });
    const siteverifyReply = await call(`${base}/api/v2/captcha/siteverify`, { method: 'POST', headers: { 'X-API-Key': apiKey }, body: filesForm(1) });
    expect(siteverifyReply).toMatchObject({ status: 400, json: { success: false, error: { error_code: 'bad_request' } } });
    const widget = await call(`${base}/api/v2/widget/${sitekey}/solve`, { method: 'POST', headers: { Origin: SITE_ORIGIN }, body: filesForm(1) });
    expect(widget).toMatchObject({ status: 400, json: { error: { code: 'files_not_accepted' } } });
    const foreign = await call(`${base}/api/v2/widget/${sitekey}/solve`, { method: 'POST', headers: { Origin: 'https://evil.example' }, body: filesForm(1) });
    expect(foreign).toMatchObject({ status: 403, json: { error: { code: 'origin_not_allowed' } } });
  });

  it('refuses an over-limit multipart body with 413 and leaves no partial file', async () => {
    const form = new FormData();
    form.set('challenge', 'x');
    form.append('big', new Blob([Buffer.alloc(200_000, 1)]), 'big.bin');
    const result = await call(`${base}/api/v2/widget/${sitekey}/solve`, { method: 'POST', headers: { Origin: SITE_ORIGIN }, body: form });
    expect(result).toMatchObject({ status: 413, json: { error: { code: 'payload_too_large' } } });
    const fieldTooBig = new FormData();
    fieldTooBig.set('response', 'x'.repeat(100_000));
    const demo = await call(`${base}/demo/submit`, { method: 'POST', body: fieldTooBig });
    expect(demo.status).toBe(413);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('still reads plain multipart fields', async () => {
    const issued = await issueCaptcha(base, '2.0');
    const form = new FormData();
    form.set('hash', issued.id);
    form.set('response', await cluster.answers.answerOf(issued.id));
    const result = await call(`${base}/2.0/captcha/testCaptcha`, { method: 'POST', body: form });
    expect(result.json).toEqual({ response: { testCaptchaResponse: '1' } });
  });
});
