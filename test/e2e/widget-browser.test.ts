import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import type { ApiProcess } from '../../tooling/service-processes.js';
import { waitFor } from '../../tooling/wait-for.js';
import { recordJsonResponses, startDemoStack, type DemoStack } from '../support/demo-stack.js';

const OUTPUT = 'test-output';

describe('the widget in a real browser, on /demo', () => {
  let stack: DemoStack;
  let api: ApiProcess;
  let answers: CaptchaAnswers;
  let browser: Browser;
  let shortLived: ApiProcess;
  const prefix = `web${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    stack = await startDemoStack({
      prefix,
      poolTarget: 100,
      // The second API's tokens live 7 s: the widget drops them 5 s before they expire.
      apiEnvs: [{}, { TOKEN_TTL_SECONDS: '7' }],
    });
    ({ answers, browser } = stack);
    [api, shortLived] = stack.apis as [ApiProcess, ApiProcess];
  });

  afterAll(() => stack?.stop());

  /** Opens a page and resolves with the id of the first challenge its widget loads. */
  async function openWithChallenge(path: string): Promise<{ page: Page; challenge: () => Promise<string> }> {
    const page = await browser.newPage();
    const challenges = recordJsonResponses<{ challenge: string }>(page, '/challenge');
    await page.goto(`${api.url}${path}`);
    let seen = 0;
    const challenge = async (): Promise<string> => {
      await waitFor(() => Promise.resolve(challenges.length > seen), 10_000, 'a challenge');
      seen = challenges.length;
      return challenges[seen - 1]?.challenge ?? '';
    };
    return { page, challenge };
  }

  it('solves the captcha and submits the form: the demo backend gets success from siteverify', async () => {
    const { page, challenge } = await openWithChallenge('/demo');
    const id = await challenge();
    await expect.poll(() => page.locator('.frc-captcha img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
    await page.getByLabel('Your name').fill('Ada');
    await page.getByLabel('Characters in the image').fill(await answers.answerOf(id));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Verified');
    const token = await page.locator('input[name="frc-captcha-response"]').inputValue();
    expect(token).toMatch(/^v1\./);
    await page.screenshot({ path: `${OUTPUT}/widget-solved.png` });
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => page.locator('#outcome').textContent()).toBe('Accepted');
    await page.screenshot({ path: `${OUTPUT}/demo-accepted.png` });
    await page.close();
  });

  it('shows an error and a fresh image after a wrong answer', async () => {
    const { page, challenge } = await openWithChallenge('/demo');
    const first = await challenge();
    const firstImage = await page.locator('.frc-captcha img').getAttribute('src');
    await page.getByLabel('Characters in the image').fill('WRONG9');
    await page.getByRole('button', { name: 'Verify' }).click();
    const second = await challenge();
    expect(second).not.toBe(first);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Wrong characters');
    expect(await page.locator('.frc-captcha img').getAttribute('src')).not.toBe(firstImage);
    expect(await page.getByLabel('Characters in the image').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('input[name="frc-captcha-response"]').inputValue()).toBe('');
    await page.screenshot({ path: `${OUTPUT}/widget-wrong.png` });
    // Submitting anyway is refused by the backend.
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => page.locator('#outcome').textContent()).toBe('Rejected');
    await page.close();
  });

  it('works with the keyboard alone', async () => {
    const { page, challenge } = await openWithChallenge('/demo');
    const id = await challenge();
    await page.locator('#name').focus();
    await page.keyboard.type('Grace');
    await page.keyboard.press('Tab'); // into the widget: the "New" button
    await page.keyboard.press('Tab'); // "Listen to the characters"
    await page.keyboard.press('Tab'); // the answer field
    await page.keyboard.type(await answers.answerOf(id));
    await page.keyboard.press('Enter'); // verifies, does not submit
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Verified');
    expect(page.url()).toBe(`${api.url}/demo`);
    await page.keyboard.press('Tab'); // "Verify" is disabled now, so focus moves on to "Sign up"
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#outcome').textContent()).toBe('Accepted');
    await page.close();
  });

  it('drops a token about to expire and asks for a fresh solve', async () => {
    const page = await browser.newPage();
    const challenges = recordJsonResponses<{ challenge: string }>(page, '/challenge');
    await page.goto(`${shortLived.url}/demo`);
    await waitFor(() => Promise.resolve(challenges.length > 0), 10_000, 'a challenge');
    await page.getByLabel('Characters in the image').fill(await answers.answerOf(challenges[0]?.challenge ?? ''));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Verified');
    expect(await page.locator('input[name="frc-captcha-response"]').inputValue()).toMatch(/^v1\./);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 8000 }).toContain('expired');
    expect(await page.locator('input[name="frc-captcha-response"]').inputValue()).toBe('');
    await expect.poll(() => challenges.length).toBeGreaterThanOrEqual(2);
    await page.close();
  });

  it('runs several widgets on one page and resets one through the JS API', async () => {
    const page = await browser.newPage();
    const sitekey = await page.request.get(`${api.url}/demo`).then(async (r) => /data-sitekey="([^"]+)"/.exec(await r.text())?.[1] ?? '');
    await page.route(`${api.url}/two-widgets`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><body>
<form id="a"><div class="frc-captcha" id="w1" data-sitekey="${sitekey}"></div></form>
<form id="b"><div class="frc-captcha" id="w2" data-sitekey="${sitekey}"></div></form>
<script src="/widget.js"></script></body></html>`,
      }),
    );
    await page.goto(`${api.url}/two-widgets`);
    const images = page.locator('.frc-captcha img');
    await expect.poll(() => images.evaluateAll((all: HTMLImageElement[]) => all.filter((img) => img.naturalWidth === 240).length)).toBe(2);
    const before = await images.evaluateAll((all: HTMLImageElement[]) => all.map((img) => img.src));
    expect(before[0]).not.toBe(before[1]);
    await page.evaluate(() => window.frcCaptcha.reset('#w2'));
    const after = await images.evaluateAll((all: HTMLImageElement[]) => all.map((img) => img.src));
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(await page.locator('form input[name="frc-captcha-response"]').count()).toBe(2);
    await page.screenshot({ path: `${OUTPUT}/two-widgets.png` });
    await page.close();
  });
});

declare global {
  interface Window {
    frcCaptcha: { reset(target?: string): Promise<void[]> };
  }
}
