import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../services/api/main.js';
import { call, issueCaptcha } from '../../tooling/api-client.js';
import { startInProcessCluster } from '../support/cluster.js';
import { startRedisServer, type RedisServer } from '../../tooling/redis-server.js';
import { testConfig } from '../support/test-config.js';

describe('a Redis with a password', () => {
  const password = 'a-redis-password-from-a-secret';
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer(['--requirepass', password]);
  });
  afterAll(() => redis.stop());

  it('is used with REDIS_PASSWORD beside a password-free REDIS_URL, by the API, the worker and its queue', async () => {
    const cluster = await startInProcessCluster(testConfig(redis.url, { REDIS_PASSWORD: password }));
    try {
      await cluster.waitForFullPool();
      const issued = await issueCaptcha(cluster.api.url);
      const answer = await cluster.answers.answerOf(issued.id);
      expect((await call(`${cluster.api.url}/3.0/captcha/testCaptcha/hash/${issued.id}/response/${answer}`)).json).toEqual({
        response: { testCaptchaResponse: '1' },
      });
      expect((await call(`${cluster.api.opsUrl}/readyz`)).json).toEqual({ status: 'ready' });
    } finally {
      await cluster.stop();
    }
  });

  it('refuses to start without it, saying so', async () => {
    await expect(startApi(testConfig(redis.url))).rejects.toThrow(/NOAUTH|auth/i);
  });
});
