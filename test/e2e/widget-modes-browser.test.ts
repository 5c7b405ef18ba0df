import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../shared/runtime/config.js';
import type { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import type { ApiProcess } from '../../tooling/service-processes.js';
import { waitFor } from '../../tooling/wait-for.js';
import { recordJsonResponses, startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { call } from '../../tooling/api-client.js';
import { withAdmin } from '../../tooling/token-api.js';

const OUTPUT = 'test-output';

interface ChallengeBody {
  mode?: string;
  challenge?: string;
  image?: string;
  puzzle?: { parameters: { data?: { image?: string } } };
}

/** The demo page in every mode, in Debian's Chromium: what a visitor sees, and that solving never stalls the page. */
describe('the widget\'s modes in a real browser, on /demo', () => {
  let stack: DemoStack;
  let api: ApiProcess;
  let answers: CaptchaAnswers;
  let browser: Browser;
  let config: Config;
  let sitekey: string;
  const prefix = `mod${randomBytes(4).toString('hex')}`;
  let nextClient = 1;

  beforeAll(async () => {
    stack = await startDemoStack({
      prefix,
      poolTarget: 60,
      // Each test plays its own client through X-Forwarded-For, so their counters never mix.
      env: { TRUST_PROXY: 'true', STEP_UP_CHALLENGES: '5' },
    });
    ({ answers, browser, config, sitekey } = stack);
    [api] = stack.apis as [ApiProcess];
  });

  afterAll(() => stack?.stop());

  const setMode = (mode: string, work?: number) =>
    withAdmin(config, async (admin) => {
      await admin.setMode(sitekey, mode);
      await admin.setPowWork(sitekey, work);
    });

  /** A page for a new client, recording the challenges its widget receives. */
  async function openAsNewClient(path = '/demo'): Promise<{ page: Page; client: string; challenges: ChallengeBody[] }> {
    const client = `198.51.100.${nextClient++}`;
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ 'X-Forwarded-For': client });
    const challenges = recordJsonResponses<ChallengeBody>(page, '/challenge');
    await page.goto(`${api.url}${path}`);
    return { page, client, challenges };
  }

  const status = (page: Page) => page.getByRole('status').textContent();
  const imageShown = (page: Page) => page.locator('.frc-captcha img').isVisible();
  const token = (page: Page) => page.locator('input[name="frc-captcha-response"]').inputValue();

  async function submitAndExpect(page: Page, mode: string): Promise<void> {
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => page.locator('#outcome').textContent()).toBe('Accepted');
    expect(await page.locator('#mode').textContent()).toBe(mode);
  }

  it('pow: the form gets a token by itself, with no image to read', async () => {
    await setMode('pow');
    const { page, challenges } = await openAsNewClient();
    await expect.poll(() => status(page), { timeout: 20_000 }).toContain('Verified');
    expect(challenges[0]?.mode).toBe('pow');
    expect(await imageShown(page)).toBe(false);
    expect(await page.getByLabel('Characters in the image').isVisible()).toBe(false);
    expect(await token(page)).toMatch(/^v1\./);
    await page.locator('form').screenshot({ path: `${OUTPUT}/widget-pow.png` });
    await page.getByLabel('Your name').fill('Ada');
    await submitAndExpect(page, 'pow');
    await page.close();
  });

  it('pow: the page keeps responding while a long puzzle is solved', async () => {
    await setMode('pow', 400_000);
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `198.51.100.${nextClient++}` });
    // A timer on the page: a blocked main thread would stop it for the whole solve.
    await page.addInitScript(() => {
      const ticks: number[] = [];
      (window as unknown as { ticks: number[] }).ticks = ticks;
      window.setInterval(() => ticks.push(performance.now()), 20);
    });
    await page.goto(`${api.url}/demo`);
    await expect.poll(() => status(page)).toContain('Checking');
    const started = await page.evaluate(() => performance.now());
    await expect.poll(() => status(page), { timeout: 45_000 }).toContain('Verified');
    const { ticks, finished } = await page.evaluate(() => ({ ticks: (window as unknown as { ticks: number[] }).ticks, finished: performance.now() }));
    const during = ticks.filter((at) => at >= started && at <= finished);
    const gaps = during.slice(1).map((at, i) => at - (during[i] ?? at));
    // Loose bounds on a shared 2-core machine: what matters is that the timer never stopped for long.
    expect(finished - started).toBeGreaterThan(500);
    expect(during.length).toBeGreaterThan((finished - started) / 20 / 4);
    expect(Math.max(...gaps)).toBeLessThan(1000);
    await page.close();
  });

  it('pow: solves on the page itself where the page forbids workers', async () => {
    await setMode('pow');
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `198.51.100.${nextClient++}` });
    await page.route(`${api.url}/no-workers`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        headers: { 'Content-Security-Policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; worker-src 'none'" },
        body: `<!doctype html><html lang="en"><body><form><div class="frc-captcha" data-sitekey="${sitekey}"></div></form><script src="/widget.js"></script></body></html>`,
      }),
    );
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    await page.goto(`${api.url}/no-workers`);
    await expect.poll(() => status(page), { timeout: 30_000 }).toContain('Verified');
    expect(await token(page)).toMatch(/^v1\./);
    expect(refused.length).toBeGreaterThan(0);
    await page.close();
  });

  it('pow+image: a quiet visitor sees no image; after a burst the same visitor must also read one', async () => {
    await setMode('pow+image');
    const first = await openAsNewClient();
    await expect.poll(() => status(first.page), { timeout: 20_000 }).toContain('Verified');
    expect(await imageShown(first.page)).toBe(false);
    await first.page.close();

    // A burst from the same address: the fifth challenge in the window brings the step-up.
    const { client } = first;
    const origin = api.url;
    for (let i = 0; i < 4; i++) {
      const reply = await call(`${api.url}/api/v2/widget/${sitekey}/challenge`, { method: 'POST', headers: { Origin: origin, 'X-Forwarded-For': client } });
      expect(reply.status).toBe(200);
    }
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ 'X-Forwarded-For': client });
    const challenges = recordJsonResponses<ChallengeBody>(page, '/challenge');
    await page.goto(`${api.url}/demo`);
    await expect.poll(() => page.locator('.frc-captcha img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
    const imageId = challenges[0]?.puzzle?.parameters.data?.image ?? '';
    expect(challenges[0]?.mode).toBe('pow+image');
    expect(imageId).toMatch(/^[0-9a-f]{40}$/);
    expect(await token(page)).toBe('');
    await page.getByLabel('Your name').fill('Grace');
    // Read like a person: well past the implausibly-fast bound.
    await page.waitForTimeout(1600);
    await page.getByLabel('Characters in the image').fill(await answers.answerOf(imageId));
    await page.locator('form').screenshot({ path: `${OUTPUT}/widget-pow-image.png` });
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => status(page), { timeout: 20_000 }).toContain('Verified');
    await submitAndExpect(page, 'pow+image');
    await page.close();
  });

  it('image: as before, an image to read and type', async () => {
    await setMode('image');
    const { page, challenges } = await openAsNewClient();
    await expect.poll(() => page.locator('.frc-captcha img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
    await waitFor(() => Promise.resolve(challenges.length > 0), 10_000, 'a challenge');
    expect(challenges[0]?.mode).toBe('image');
    expect(await page.locator('.frc-captcha progress').isVisible()).toBe(false);
    await page.getByLabel('Your name').fill('Ada');
    await page.getByLabel('Characters in the image').fill(await answers.answerOf(challenges[0]?.challenge ?? ''));
    await page.locator('form').screenshot({ path: `${OUTPUT}/widget-image.png` });
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => status(page)).toContain('Verified');
    await submitAndExpect(page, 'image');
    await page.close();
  });
});
