import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../shared/runtime/config.js';
import type { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import type { ApiProcess } from '../../tooling/service-processes.js';
import { waitFor } from '../../tooling/wait-for.js';
import { recordJsonResponses, startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { withAdmin } from '../../tooling/token-api.js';

const OUTPUT = 'test-output';

/** The audio alternative in Debian's Chromium: the widget's "Listen" button on /demo, from the built dist/. */
describe('the widget\'s Listen button in a real browser', () => {
  let stack: DemoStack;
  let api: ApiProcess;
  let answers: CaptchaAnswers;
  let browser: Browser;
  let sitekey: string;
  let adminConfig: Config;
  const prefix = `aud${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    stack = await startDemoStack({
      prefix,
      poolTarget: 40,
      // STEP_UP_CHALLENGES=1: once the demo site is pow+image, every challenge comes with an image.
      apiEnvs: [{ STEP_UP_CHALLENGES: '1', POW_WORK: '2000' }],
    });
    ({ answers, browser, sitekey, config: adminConfig } = stack);
    [api] = stack.apis as [ApiProcess];
  });

  afterAll(() => stack?.stop());

  async function openDemo(): Promise<{ page: Page; challenge: string }> {
    const page = await browser.newPage();
    const challenges = recordJsonResponses<{ challenge?: string }>(page, '/challenge');
    await page.goto(`${api.url}/demo`);
    await waitFor(() => Promise.resolve(challenges.length > 0), 10_000, 'a challenge');
    return { page, challenge: challenges[0]?.challenge ?? '' };
  }

  it('plays the challenge\'s characters after a click, and the challenge can still be solved', async () => {
    const { page, challenge } = await openDemo();
    const listen = page.getByRole('button', { name: 'Listen to the characters' });
    await expect.poll(() => listen.isVisible()).toBe(true);
    const audioReply = page.waitForResponse((response) => response.url().endsWith(`/audio/${challenge}`));
    await listen.click();
    const reply = await audioReply;
    expect(reply.status()).toBe(200);
    expect(reply.headers()['content-type']).toBe('audio/wav');

    // The <audio> element decodes it: a duration of seconds, and it plays (the click is the user gesture).
    const audio = page.locator('.frc-captcha audio');
    await expect
      .poll(() => audio.evaluate((element: HTMLAudioElement) => ({ ready: element.readyState >= 3, duration: element.duration })), { timeout: 10_000 })
      .toMatchObject({ ready: true });
    const duration = await audio.evaluate((element: HTMLAudioElement) => element.duration);
    expect(duration).toBeGreaterThan(2.5);
    expect(duration).toBeLessThan(6);
    await expect.poll(() => audio.evaluate((element: HTMLAudioElement) => element.error === null && (element.currentTime > 0 || !element.paused))).toBe(true);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Type what you hear');
    await page.screenshot({ path: `${OUTPUT}/widget-listen.png` });

    // Web Audio decodes the same endpoint's bytes too.
    const decoded = await page.evaluate(async (url) => {
      const bytes = await (await fetch(url, { method: 'POST' })).arrayBuffer();
      const context = new AudioContext();
      const buffer = await context.decodeAudioData(bytes);
      await context.close();
      return { duration: buffer.duration, channels: buffer.numberOfChannels, size: bytes.byteLength };
    }, reply.url());
    expect(decoded.duration).toBeGreaterThan(2.5);
    expect(decoded.channels).toBe(1);
    expect(decoded.size).toBeLessThan(48_000);

    // Listening consumed nothing: the same challenge is answered as usual.
    await page.getByLabel('Characters in the image').fill(await answers.answerOf(challenge));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Verified');
    await page.close();
  });

  it('is reached with the keyboard, right after "New"', async () => {
    const { page, challenge } = await openDemo();
    await page.locator('#name').focus();
    await page.keyboard.press('Tab'); // "New"
    await page.keyboard.press('Tab'); // "Listen to the characters"
    expect(await page.evaluate(() => document.querySelector('.frc-captcha')?.shadowRoot?.activeElement?.textContent ?? '')).toContain(
      'Listen to the characters',
    );
    const audioReply = page.waitForResponse((response) => response.url().endsWith(`/audio/${challenge}`));
    await page.keyboard.press('Enter');
    expect((await audioReply).status()).toBe(200);
    await page.keyboard.press('Tab'); // on to the answer field
    expect(await page.evaluate(() => document.querySelector('.frc-captcha')?.shadowRoot?.activeElement?.id ?? '')).toBe('answer');
    await page.keyboard.type(await answers.answerOf(challenge));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Verified');
    await page.close();
  });

  it('plays a step-up image of a pow+image site, and the puzzle and answer then verify', async () => {
    await withAdmin(adminConfig, (admin) => admin.setMode(sitekey, 'pow+image'));
    try {
      const { page, challenge } = await openDemo();
      expect(challenge).toMatch(/^[0-9a-f]{40}$/);
      const audioReply = page.waitForResponse((response) => response.url().endsWith(`/audio/${challenge}`));
      await page.getByRole('button', { name: 'Listen to the characters' }).click();
      expect((await audioReply).status()).toBe(200);
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Type what you hear');
      await page.getByLabel('Characters in the image').fill(await answers.answerOf(challenge));
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toContain('Verified');
      await page.close();
    } finally {
      await withAdmin(adminConfig, (admin) => admin.setMode(sitekey, 'image'));
    }
  });
});
