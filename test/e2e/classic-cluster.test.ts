import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../tooling/api-client.js';
import { startLocalCluster, type LocalCluster } from '../../tooling/local-cluster.js';
import type { ApiProcess } from '../../tooling/service-processes.js';
import { decodeGrayPng } from '../support/png.js';

type Issued = { imageHash: string; imageUrl: string; date?: string };

describe('a local cluster of processes: two API processes, one worker, own redis-server', () => {
  let cluster: LocalCluster;
  let apis: ApiProcess[];

  beforeAll(async () => {
    cluster = await startLocalCluster({ apis: 2, env: { POOL_TARGET_SIZE: '200', POOL_LOW_WATERMARK: '80' } });
    apis = cluster.apis;
    await cluster.waitForPool(200);
  });

  afterAll(async () => {
    // The worker shuts down cleanly on SIGTERM, with its queue connections closed.
    const workerExit = await cluster.workers[0]?.stop('SIGTERM');
    await cluster.stop();
    expect(workerExit).toBe(0);
  });

  const issueOn = async (base: string, path: string, envelope: string): Promise<Issued> => {
    const { status, json } = await call(`${base}${path}`);
    expect(status).toBe(200);
    const fields = (json as { response: Record<string, Issued | undefined> }).response[envelope];
    if (!fields) throw new Error(`no ${envelope} in ${JSON.stringify(json)}`);
    return fields;
  };

  describe.each(['2.0', '3.0'] as const)('v%s', (version) => {
    const mismatchStatus = version === '2.0' ? 400 : 401;

    it.each([
      ['/captcha', 'captchaResponse'],
      ['/captcha/', 'captchaResponse'],
      ['/captcha/getCaptcha', 'getCaptchaResponse'],
    ])('issues on one process via %s and verifies on the other', async (path, envelope) => {
      const [a, b] = apis;
      if (!a || !b) throw new Error('two API processes expected');
      const issued = await issueOn(a.url, `/${version}${path}`, envelope);
      expect(issued.imageUrl).toBe(`${a.url}/${version}/captcha/getImage/hash/${issued.imageHash}`);
      expect('date' in issued).toBe(version === '3.0');

      for (const url of [`${b.url}/${version}/captcha/getImage/hash/${issued.imageHash}`, `${b.url}/${version}/captcha/getImage/${issued.imageHash}`]) {
        const image = await call(url);
        expect(image.status).toBe(200);
        expect(image.headers.get('content-type')).toBe('image/png');
        expect(decodeGrayPng(image.bytes).height).toBe(80);
      }
      const answer = await cluster.answers.answerOf(issued.imageHash);
      const checked = await call(`${b.url}/${version}/captcha/testCaptcha/hash/${issued.imageHash}/response/${answer}`);
      expect(checked).toMatchObject({ status: 200, json: { response: { testCaptchaResponse: '1' } } });
      const again = await call(`${a.url}/${version}/captcha/testCaptcha/hash/${issued.imageHash}/response/${answer}`);
      expect(again.status).toBe(mismatchStatus);
    });

    it('verifies by POST (JSON and form) on the other process', async () => {
      const [a, b] = apis;
      if (!a || !b) throw new Error('two API processes expected');
      for (const encode of ['json', 'form'] as const) {
        const { imageHash } = await issueOn(b.url, `/${version}/captcha`, 'captchaResponse');
        const answer = await cluster.answers.answerOf(imageHash);
        const init =
          encode === 'json'
            ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hash: imageHash, response: answer }) }
            : { body: new URLSearchParams({ hash: imageHash, response: answer }) };
        const result = await call(`${a.url}/${version}/captcha/testCaptcha`, { method: 'POST', ...init });
        expect(result).toMatchObject({ status: 200, json: { response: { testCaptchaResponse: '1' } } });
      }
    });

    it('rejects a wrong answer on one process and the right one after it on the other', async () => {
      const [a, b] = apis;
      if (!a || !b) throw new Error('two API processes expected');
      const { imageHash } = await issueOn(a.url, `/${version}/captcha/getCaptcha`, 'getCaptchaResponse');
      const answer = await cluster.answers.answerOf(imageHash);
      expect((await call(`${a.url}/${version}/captcha/testCaptcha/hash/${imageHash}/response/XXXXXX`)).status).toBe(mismatchStatus);
      expect((await call(`${b.url}/${version}/captcha/testCaptcha/hash/${imageHash}/response/${answer}`)).status).toBe(mismatchStatus);
      expect((await call(`${b.url}/${version}/captcha/getImage/${imageHash}`)).status).toBe(404);
    });
  });

  it('reports ready on both processes', async () => {
    for (const api of apis) expect(await call(`${api.url}/readyz`)).toMatchObject({ status: 200, json: { status: 'ready' } });
  });
});
