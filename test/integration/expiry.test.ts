import { describe, expect, inject, it } from 'vitest';
import { call, issueCaptcha } from '../../tooling/api-client.js';
import { startInProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';

describe('captcha expiry', () => {
  it('rejects the right answer and hides the image once the time to live has passed', async () => {
    const cluster = await startInProcessCluster(testConfig(inject('redisUrl'), { CAPTCHA_TTL_SECONDS: '1' }));
    try {
      await cluster.waitForFullPool();
      const base = cluster.api.url;
      const live = await issueCaptcha(base);
      const expiring = await issueCaptcha(base);
      const liveAnswer = await cluster.answers.answerOf(live.id);
      const expiringAnswer = await cluster.answers.answerOf(expiring.id);
      expect((await call(`${base}/3.0/captcha/testCaptcha/hash/${live.id}/response/${liveAnswer}`)).status).toBe(200);

      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await call(`${base}/3.0/captcha/getImage/${expiring.id}`)).status).toBe(404);
      const late = await call(`${base}/3.0/captcha/testCaptcha/hash/${expiring.id}/response/${expiringAnswer}`);
      expect(late.status).toBe(401);
      expect(late.json).toMatchObject({ errors: { code: '401', faultstring: 'Captcha test failed' } });
    } finally {
      await cluster.stop();
    }
  });
});
