import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';
import { createSite, SITE_ORIGIN, withAdmin } from '../../tooling/token-api.js';

/**
 * Clients are told apart by X-Forwarded-For (TRUST_PROXY, one hop), as behind
 * a load balancer; every test uses addresses of its own.
 */
describe('per-client rate limits', () => {
  let cluster: InProcessCluster;
  let base: string;
  let generous: string;
  let unlimited: string;

  beforeAll(async () => {
    const first = testConfig(inject('redisUrl'));
    generous = (await createSite(first)).sitekey;
    unlimited = (await createSite(first)).sitekey;
    await withAdmin(first, async (admin) => {
      await admin.setLimits(generous, { issuePerMinute: 20 });
      await admin.setLimits(unlimited, { issuePerMinute: 0 });
    });
    cluster = await startInProcessCluster(
      testConfig(inject('redisUrl'), {
        KEY_PREFIX: first.keyPrefix,
        TRUST_PROXY: 'true',
        RATE_LIMIT_ISSUE_PER_MINUTE: '10',
        RATE_LIMIT_SOLVE_PER_MINUTE: '5',
        RATE_LIMIT_LIVE_CAPTCHAS_PER_CLIENT: '25',
        POOL_TARGET_SIZE: '120',
        POOL_LOW_WATERMARK: '40',
        DEMO_SITEKEY: generous,
        DEMO_API_KEY: 'demo-key-not-used-here',
      }),
    );
    base = cluster.api.url;
    await cluster.waitForFullPool();
  });
  afterAll(() => cluster.stop());

  const classicIssue = (client: string) => call(`${base}/3.0/captcha`, { headers: { 'X-Forwarded-For': client } });
  const challenge = (client: string, sitekey: string) =>
    call(`${base}/api/v2/widget/${sitekey}/challenge`, { method: 'POST', headers: { Origin: SITE_ORIGIN, 'X-Forwarded-For': client } });
  const statuses = async (count: number, request: () => Promise<{ status: number }>): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push((await request()).status);
    return out;
  };

  it('counts a client once per action: a site\'s limit is another threshold on the same count, not a budget of its own', async () => {
    const client = '198.51.100.1';
    expect(await statuses(10, () => classicIssue(client))).toEqual(Array(10).fill(200));
    expect((await classicIssue(client)).status).toBe(429);
    // The site allows 20 a minute: this client has used 11 of them (the refused request counts too).
    const widget = await statuses(12, () => challenge(client, generous));
    expect(widget.filter((status) => status === 200)).toHaveLength(9);
    expect(widget.slice(9)).toEqual([429, 429, 429]);
  });

  it('never lets a site without a per-minute limit hand one client the whole pool', async () => {
    const greedy = '198.51.100.2';
    const taken = await statuses(35, () => challenge(greedy, unlimited));
    expect(taken.slice(0, 25)).toEqual(Array(25).fill(200));
    expect(taken.slice(25)).toEqual(Array(10).fill(429));
    // Others are served meanwhile.
    expect((await challenge('198.51.100.3', unlimited)).status).toBe(200);
    expect((await classicIssue('198.51.100.4')).status).toBe(200);
  });

  it('counts IPv6 clients per /64', async () => {
    const sameNet = await statuses(12, async () => classicIssue(`2001:db8:aa:1::${Math.floor(Math.random() * 0xffff).toString(16)}`));
    expect(sameNet.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(sameNet.slice(10)).toEqual([429, 429]);
    expect((await classicIssue('2001:db8:aa:2::1')).status).toBe(200);
  });

  it('rate-limits the demo form', async () => {
    const client = '198.51.100.5';
    const submit = () => call(`${base}/demo/submit`, { method: 'POST', headers: { 'X-Forwarded-For': client }, body: new URLSearchParams({ name: 'x' }) });
    const replies = await statuses(6, submit);
    expect(replies.slice(0, 5).every((status) => status === 200)).toBe(true);
    expect(replies[5]).toBe(429);
  });
});
