import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, issueCaptcha } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { scrape, valueOf, type Sample } from '../support/metrics.js';
import { promtool, promtoolPath } from '../support/promtool.js';
import { testConfig } from '../support/test-config.js';
import { createSite, siteverify, solveWidget, SITE_ORIGIN } from '../../tooling/token-api.js';

describe('metrics', () => {
  let cluster: InProcessCluster;
  let base: string;
  let site: { sitekey: string; apiKey: string };

  beforeAll(async () => {
    cluster = await startInProcessCluster(testConfig(inject('redisUrl')));
    base = cluster.api.url;
    site = await createSite(cluster.config);
    await cluster.waitForFullPool();
  });
  afterAll(() => cluster.stop());

  const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string>) =>
    valueOf(after, name, labels) - valueOf(before, name, labels);

  it('serves /metrics only on the operations port, never on the public one', async () => {
    expect(await call(`${base}/metrics`)).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    const ops = await fetch(`${cluster.api.opsUrl}/metrics`);
    expect(ops.status).toBe(200);
    expect(await ops.text()).toContain('captcha_issued_total');
    expect(cluster.api.opsUrl).not.toBe(base);
    for (const origin of [base, cluster.api.opsUrl]) {
      expect(await call(`${origin}/readyz`)).toMatchObject({ status: 200, json: { status: 'ready' } });
      expect(await call(`${origin}/healthz`)).toMatchObject({ status: 200, json: { status: 'ok' } });
    }
  });

  it('counts a known classic sequence exactly: 3 issued, 2 solved, 1 wrong', async () => {
    const before = (await scrape(`${cluster.api.opsUrl}/metrics`)).samples;
    const captchas = await Promise.all([1, 2, 3].map(() => issueCaptcha(base, '3.0')));
    for (const [index, { id }] of captchas.entries()) {
      const answer = index < 2 ? await cluster.answers.answerOf(id) : 'WRONG1';
      await call(`${base}/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`);
    }
    const after = (await scrape(`${cluster.api.opsUrl}/metrics`)).samples;
    expect(delta(before, after, 'captcha_issued_total', { api: 'classic_v3', site: 'none' })).toBe(3);
    expect(delta(before, after, 'captcha_verifications_total', { api: 'classic_v3', outcome: 'success' })).toBe(2);
    expect(delta(before, after, 'captcha_verifications_total', { api: 'classic_v3', outcome: 'mismatch' })).toBe(1);
    expect(delta(before, after, 'captcha_verifications_total', { api: 'classic_v3', outcome: 'unknown' })).toBe(0);
    expect(delta(before, after, 'captcha_issued_total', { api: 'classic_v2' })).toBe(0);
    const route = { route: '/3.0/captcha/testCaptcha/hash/:hash/response/:response', method: 'GET' };
    expect(delta(before, after, 'http_request_duration_seconds_count', { ...route, status: '200' })).toBe(2);
    expect(delta(before, after, 'http_request_duration_seconds_count', { ...route, status: '401' })).toBe(1);
  });

  it('times every answered captcha from issue to check, by API, site, difficulty and outcome', async () => {
    const before = (await scrape(`${cluster.api.opsUrl}/metrics`)).samples;
    const slow = await issueCaptcha(base, '2.0');
    const fast = await issueCaptcha(base, '2.0');
    await call(`${base}/2.0/captcha/testCaptcha/hash/${fast.id}/response/${await cluster.answers.answerOf(fast.id)}`);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await call(`${base}/2.0/captcha/testCaptcha/hash/${slow.id}/response/WRONG1`);
    await call(`${base}/2.0/captcha/testCaptcha/hash/${slow.id}/response/WRONG1`); // unknown now: not an answer
    await solveWidget(base, cluster.answers, site.sitekey);
    const after = (await scrape(`${cluster.api.opsUrl}/metrics`)).samples;
    const classic = { api: 'classic_v2', site: 'none', difficulty: 'normal' };
    expect(delta(before, after, 'captcha_solve_duration_seconds_count', { ...classic, outcome: 'success' })).toBe(1);
    expect(delta(before, after, 'captcha_solve_duration_seconds_count', { ...classic, outcome: 'mismatch' })).toBe(1);
    // The fast right answer falls in the 1 s bucket; the wrong one came after 1.6 s.
    expect(delta(before, after, 'captcha_solve_duration_seconds_bucket', { ...classic, outcome: 'success', le: '1' })).toBe(1);
    expect(delta(before, after, 'captcha_solve_duration_seconds_bucket', { ...classic, outcome: 'mismatch', le: '1.5' })).toBe(0);
    expect(delta(before, after, 'captcha_solve_duration_seconds_sum', { ...classic, outcome: 'mismatch' })).toBeGreaterThanOrEqual(1.5);
    expect(delta(before, after, 'captcha_solve_duration_seconds_count', { api: 'widget', site: site.sitekey, difficulty: 'normal', outcome: 'success' })).toBe(1);
  });

  it('counts widget solves and siteverify outcomes per site', async () => {
    const before = (await scrape(`${cluster.api.opsUrl}/metrics`)).samples;
    const token = await solveWidget(base, cluster.answers, site.sitekey);
    const wrong = (await call(`${base}/api/v2/widget/${site.sitekey}/challenge`, { method: 'POST', headers: { Origin: SITE_ORIGIN } })).json as { challenge: string };
    await call(`${base}/api/v2/widget/${site.sitekey}/solve`, { method: 'POST', headers: { Origin: SITE_ORIGIN }, body: new URLSearchParams({ challenge: wrong.challenge, answer: 'NOPE42' }) });
    await siteverify(base, site.apiKey, { response: token });
    await siteverify(base, site.apiKey, { response: token });
    await siteverify(base, site.apiKey, { response: 'forged' });
    const after = (await scrape(`${cluster.api.opsUrl}/metrics`)).samples;
    const bySite = { site: site.sitekey };
    expect(delta(before, after, 'captcha_issued_total', { api: 'widget', ...bySite })).toBe(2);
    expect(delta(before, after, 'captcha_verifications_total', { api: 'widget', outcome: 'success', ...bySite })).toBe(1);
    expect(delta(before, after, 'captcha_verifications_total', { api: 'widget', outcome: 'mismatch', ...bySite })).toBe(1);
    expect(delta(before, after, 'captcha_verifications_total', { api: 'siteverify', outcome: 'success', ...bySite })).toBe(1);
    expect(delta(before, after, 'captcha_verifications_total', { api: 'siteverify', outcome: 'duplicate', ...bySite })).toBe(1);
    expect(delta(before, after, 'captcha_verifications_total', { api: 'siteverify', outcome: 'invalid', site: 'none' })).toBe(1);
  });

  it('reads pool depth from Redis at scrape time, next to the target', async () => {
    /** A scrape between two equal reads of Redis must show exactly that depth. */
    const scrapedWhileStill = async (): Promise<{ scraped: number; depth: number; samples: Sample[] }> => {
      for (let attempt = 0; ; attempt++) {
        if (attempt === 50) throw new Error('the pool never held still');
        const depth = await cluster.answers.poolDepth(2);
        const { samples } = await scrape(`${cluster.api.opsUrl}/metrics`);
        if ((await cluster.answers.poolDepth(2)) === depth) return { scraped: valueOf(samples, 'captcha_pool_depth'), depth, samples };
      }
    };
    const first = await scrapedWhileStill();
    expect(first.scraped).toBe(first.depth);
    expect(first.samples.filter((s) => s.name === 'captcha_pool_depth').map((s) => s.labels.shard).sort()).toEqual(['0', '1']);
    expect(valueOf(first.samples, 'captcha_pool_target')).toBe(40);
    expect(valueOf(first.samples, 'captcha_pool_low_watermark')).toBe(16);
    await issueCaptcha(base);
    const second = await scrapedWhileStill();
    expect(second.scraped).toBe(second.depth);
  });

  it('exports render and queue metrics from the worker, with process metrics on both', async () => {
    const worker = cluster.worker;
    if (!worker) throw new Error('worker expected');
    const { samples } = await scrape(`${worker.opsUrl}/metrics`);
    expect(valueOf(samples, 'captcha_rendered_total')).toBeGreaterThanOrEqual(40);
    expect(valueOf(samples, 'captcha_render_batch_duration_seconds_count')).toBeGreaterThan(0);
    expect(valueOf(samples, 'captcha_render_batch_size_sum')).toBe(valueOf(samples, 'captcha_rendered_total'));
    expect(samples.filter((s) => s.name === 'captcha_queue_jobs').map((s) => s.labels.state).sort()).toEqual(
      ['active', 'delayed', 'failed', 'prioritized', 'waiting'],
    );
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total' && s.labels.component === 'worker')).toBe(true);
    const api = (await scrape(`${cluster.api.opsUrl}/metrics`)).samples;
    expect(api.some((s) => s.name === 'process_cpu_user_seconds_total' && s.labels.component === 'api')).toBe(true);
    expect((await call(`${worker.opsUrl}/readyz`)).json).toEqual({ status: 'ready' });
  });

  it('passes promtool check metrics on both services', async () => {
    expect(promtoolPath(), 'promtool is required: apt-get install prometheus').toBeDefined();
    for (const url of [`${cluster.api.opsUrl}/metrics`, `${cluster.worker?.opsUrl ?? ''}/metrics`]) {
      const { text } = await scrape(url);
      const result = promtool(['check', 'metrics'], text);
      // prom-client's own default metrics name a few gauges "_total"; everything else must be clean.
      const findings = result.output.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('nodejs_'));
      expect(findings).toEqual([]);
      expect(result.output).not.toMatch(/error/i);
    }
  });

  it('adds no series for a thousand requests with random ids and paths', async () => {
    const hex = () => randomBytes(20).toString('hex');
    const paths = [
      () => `/3.0/captcha/getImage/hash/${hex()}`,
      () => `/2.0/captcha/getImage/${hex()}`,
      () => `/3.0/captcha/testCaptcha/hash/${hex()}/response/${hex().slice(0, 6)}`,
      () => `/${hex()}/${hex()}`,
      () => `/api/v2/widget/FC${hex().slice(0, 14).toUpperCase()}/challenge`,
    ];
    const exercise = async (count: number) => {
      for (let i = 0; i < count; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) => {
            const path = paths[(i + j) % paths.length]?.() ?? '/';
            return call(`${base}${path}`, path.includes('/widget/') ? { method: 'POST', headers: { Origin: 'https://x.example' } } : {});
          }),
        );
      }
    };
    await exercise(50); // every route and status seen once
    const series = async () => (await scrape(`${cluster.api.opsUrl}/metrics`)).samples.filter((s) => !s.name.startsWith('process_') && !s.name.startsWith('nodejs_')).length;
    const before = await series();
    await exercise(1000);
    expect(await series()).toBe(before);
  });
});
