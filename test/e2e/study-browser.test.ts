import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../tooling/browser.js';
import { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import { scrape, valueOf } from '../support/metrics.js';
import { spawnApi, type ServiceProcess } from '../../tooling/service-processes.js';
import { startRedisServer, type RedisServer } from '../../tooling/redis-server.js';
import { recordJsonResponses } from '../support/demo-stack.js';

const OUTPUT = 'test-output';

describe('the reading study on /demo/study, in a real browser', () => {
  let redis: RedisServer;
  let api: ServiceProcess & { url: string; opsUrl: string };
  let answers: CaptchaAnswers;
  let browser: Browser;
  const prefix = `study${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    redis = await startRedisServer();
    // No worker: study captchas are rendered on demand, at every difficulty.
    api = await spawnApi({ REDIS_URL: redis.url, KEY_PREFIX: prefix, TOKEN_SECRET: randomBytes(32).toString('hex'), STUDY_PAGE: 'true' });
    answers = new CaptchaAnswers(redis.url, prefix);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser.close();
    await answers.close();
    await api.stop();
    await redis.stop();
  });

  it('takes 30 blind answers from every level, then shows the reader their solve rate and median time per level, and counts them by difficulty', async () => {
    const page = await browser.newPage();
    const captchas = recordJsonResponses<{ id: string }>(page, '/demo/study/captcha');
    await page.goto(`${api.url}/demo/study`);
    const levels: string[] = [];
    for (let round = 0; round < 30; round++) {
      await page.waitForFunction((n) => document.getElementById('progress')?.textContent === `Captcha ${n} of 30`, round + 1);
      await expect.poll(() => captchas.length).toBe(round + 1);
      const answer = await answers.answerOf(captchas[round]?.id ?? '');
      if (round === 0) await page.screenshot({ path: `${OUTPUT}/study.png` });
      // Every fourth answer wrong, typed by keyboard as a person would.
      await page.fill('#answer', '');
      await page.keyboard.type(round % 4 === 3 ? 'WRONG1' : answer.toLowerCase());
      const answered = page.waitForResponse((response) => response.url().endsWith('/demo/study/answer'));
      await page.keyboard.press('Enter');
      levels.push(((await (await answered).json()) as { difficulty: string }).difficulty);
    }
    await page.waitForSelector('#results');
    await page.screenshot({ path: `${OUTPUT}/study-results.png`, fullPage: true });
    const rows = await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
    const all = rows.find((row) => row[0] === 'all');
    expect(all?.slice(0, 4)).toEqual(['all', '30', '23', '77%']);
    expect(all?.[4]).toMatch(/^\d+\.\d s$/);
    for (const level of ['easy', 'normal', 'hard']) {
      const count = levels.filter((l) => l === level).length;
      if (count > 0) expect(rows.find((row) => row[0] === level)?.[1]).toBe(String(count));
    }
    // Drawn from all levels: with 30 uniform draws, missing a level has odds of about 3 in 10^5.
    expect(new Set(levels)).toEqual(new Set(['easy', 'normal', 'hard']));
    const { samples } = await scrape(`${api.opsUrl}/metrics`);
    expect(valueOf(samples, 'captcha_solve_duration_seconds_count', { api: 'study', outcome: 'success' })).toBe(23);
    expect(valueOf(samples, 'captcha_solve_duration_seconds_count', { api: 'study', outcome: 'mismatch' })).toBe(7);
    for (const level of ['easy', 'normal', 'hard']) {
      expect(valueOf(samples, 'captcha_solve_duration_seconds_count', { api: 'study', difficulty: level })).toBe(levels.filter((l) => l === level).length);
    }
    await page.close();
  });

  it('is not served unless STUDY_PAGE is on', async () => {
    const plain = await spawnApi({ REDIS_URL: redis.url, KEY_PREFIX: prefix, TOKEN_SECRET: randomBytes(32).toString('hex') });
    try {
      expect((await fetch(`${plain.url}/demo/study`)).status).toBe(404);
      expect((await fetch(`${plain.url}/demo/study/captcha`, { method: 'POST' })).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});
