import { describe, expect, inject, it } from 'vitest';
import { startWorker } from '../../services/worker/main.js';
import { waitFor } from '../../tooling/wait-for.js';
import { call, issueCaptcha } from '../../tooling/api-client.js';
import { startInProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';

describe('prerendered pool', () => {
  it('is filled to its target when a worker starts', async () => {
    const cluster = await startInProcessCluster(testConfig(inject('redisUrl')));
    try {
      await cluster.waitForFullPool();
      expect(await cluster.answers.poolDepth(2)).toBe(40);
    } finally {
      await cluster.stop();
    }
  });

  it('refills after being drained', async () => {
    const cluster = await startInProcessCluster(testConfig(inject('redisUrl')));
    try {
      await cluster.waitForFullPool();
      const issued = await Promise.all(Array.from({ length: 36 }, () => issueCaptcha(cluster.api.url)));
      expect(new Set(issued.map((c) => c.id)).size).toBe(36);
      await cluster.waitForFullPool();
      expect(await cluster.answers.poolDepth(2)).toBe(40);
    } finally {
      await cluster.stop();
    }
  });

  it('answers 503 with Retry-After once a bounded wait on an empty pool runs out', async () => {
    const cluster = await startInProcessCluster(testConfig(inject('redisUrl'), { POOL_WAIT_MS: '300' }), { withWorker: false });
    try {
      for (const version of ['2.0', '3.0']) {
        const { status, headers, json } = await call(`${cluster.api.url}/${version}/captcha`);
        expect(status).toBe(503);
        expect(headers.get('retry-after')).toBe('1');
        expect(json).toMatchObject({ errors: { code: 'pool_exhausted' } });
      }
    } finally {
      await cluster.stop();
    }
  });

  it('serves a request that arrives on an empty pool from an on-demand render', async () => {
    const config = testConfig(inject('redisUrl'), { POOL_WAIT_MS: '10000' });
    const cluster = await startInProcessCluster(config, { withWorker: false });
    const pending = issueCaptcha(cluster.api.url);
    // Give the request time to find the pool empty and queue its refill before any worker exists.
    await waitFor(async () => (await cluster.answers.poolDepth(2)) === 0, 1000, 'an empty pool');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const worker = await startWorker(config);
    try {
      const { id } = await pending;
      expect(id).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      await worker.stop();
      await cluster.stop();
    }
  });
});
