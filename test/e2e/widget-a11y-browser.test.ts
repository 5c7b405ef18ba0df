import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../shared/runtime/config.js';
import { messagesFor } from '../../services/api/widget/i18n.js';
import type { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import type { ApiProcess } from '../../tooling/service-processes.js';
import { waitFor } from '../../tooling/wait-for.js';
import { recordJsonResponses, startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { withAdmin } from '../../tooling/token-api.js';

const OUTPUT = 'test-output';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** WCAG 2.2 AA, as axe-core tags its rules. */
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const en = messagesFor('en');

interface AxeSummary {
  violations: { id: string; impact: string | null; help: string; nodes: string[] }[];
  passes: string[];
  incomplete: string[];
}

interface ChallengeBody {
  challenge?: string;
  puzzle?: { parameters: { data?: { image?: string } } };
}

/** Runs axe-core in the page (injected through the debugger, so the page's CSP stays as it is), WCAG 2.2 AA rules only. */
async function audit(page: Page): Promise<AxeSummary> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    interface Result {
      id: string;
      impact?: string | null;
      help: string;
      nodes: { target: unknown; failureSummary?: string }[];
    }
    const { axe } = window as unknown as {
      axe: { run(context: Document, options: object): Promise<{ violations: Result[]; passes: Result[]; incomplete: Result[] }> };
    };
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return {
      violations: result.violations.map((rule) => ({
        id: rule.id,
        impact: rule.impact ?? null,
        help: rule.help,
        nodes: rule.nodes.map((node) => `${JSON.stringify(node.target)}: ${node.failureSummary ?? ''}`),
      })),
      passes: result.passes.map((rule) => rule.id),
      incomplete: result.incomplete.map((rule) => rule.id),
    };
  }, WCAG_AA);
}

/** The widget's parts, read inside its shadow root. */
const widgetFrame = (page: Page) => page.locator('.frc-captcha .frc');
const statusText = (page: Page) => page.locator('.frc-captcha .status').textContent();
const token = (page: Page) => page.locator('input[name="frc-captcha-response"]').inputValue();
const imageLoaded = (page: Page) =>
  expect.poll(() => page.locator('.frc-captcha img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBe(240);

describe('the widget\'s accessibility, languages and themes in a real browser, on /demo', () => {
  let stack: DemoStack;
  let api: ApiProcess;
  let shortLived: ApiProcess;
  let answers: CaptchaAnswers;
  let browser: Browser;
  let config: Config;
  let sitekey: string;
  const prefix = `a11y${randomBytes(4).toString('hex')}`;
  let nextClient = 1;

  beforeAll(async () => {
    stack = await startDemoStack({
      prefix,
      poolTarget: 80,
      warmPool: 60,
      // Each test is its own client (X-Forwarded-For), and pow+image always asks for an image.
      env: { TRUST_PROXY: 'true', STEP_UP_CHALLENGES: '1' },
      // The second API's tokens live 6 s: the widget drops them 5 s before they expire.
      apiEnvs: [{}, { TOKEN_TTL_SECONDS: '6' }],
    });
    ({ answers, browser, config, sitekey } = stack);
    [api, shortLived] = stack.apis as [ApiProcess, ApiProcess];
  });

  afterAll(() => stack?.stop());

  const setMode = (mode: string, work?: number) =>
    withAdmin(config, async (admin) => {
      await admin.setMode(sitekey, mode);
      await admin.setPowWork(sitekey, work);
    });

  /** A page in a fresh context (its own language, colour scheme, motion preference), as a new client; records its challenges. */
  async function open(path: string, options: BrowserContextOptions = {}, base = api.url) {
    const context = await browser.newContext({ ...options, extraHTTPHeaders: { 'X-Forwarded-For': `203.0.113.${nextClient++}` } });
    const page = await context.newPage();
    const challenges = recordJsonResponses<ChallengeBody>(page, '/challenge');
    await page.goto(`${base}${path}`);
    const challenge = async (index = 0): Promise<string> => {
      await waitFor(() => Promise.resolve(challenges.length > index), 10_000, 'a challenge');
      const body = challenges[index];
      return body?.challenge ?? body?.puzzle?.parameters.data?.image ?? '';
    };
    return { page, challenge, close: () => context.close() };
  }

  function expectClean(summary: AxeSummary): void {
    expect(summary.violations).toEqual([]);
    // The rules that matter most here really ran on the widget's parts, inside its shadow root.
    expect(summary.passes).toEqual(expect.arrayContaining(['color-contrast', 'label', 'button-name']));
  }

  describe('axe-core, WCAG 2.2 AA: no violations', () => {
    it.each([
      ['the light theme', '/demo', {}],
      ['the dark theme', '/demo?theme=dark', {}],
      ['the auto theme in a dark-scheme browser', '/demo?theme=auto', { colorScheme: 'dark' }],
      ['Arabic, right to left', '/demo?lang=ar', {}],
      ['Hebrew, right to left, dark and compact', '/demo?lang=he&theme=dark&size=compact', {}],
    ] as const)('%s: as loaded, after a wrong answer, and once verified', async (_name, path, options) => {
      const { page, challenge, close } = await open(path, options);
      const first = await challenge();
      await imageLoaded(page);
      expectClean(await audit(page));

      // The error state: aria-invalid on the field, the status line in the error colour.
      await page.locator('.frc-captcha #answer').fill('WRONG9');
      await page.locator('.frc-captcha .verify').click();
      await challenge(1);
      await expect.poll(() => page.locator('.frc-captcha #answer').getAttribute('aria-invalid')).toBe('true');
      await imageLoaded(page);
      expectClean(await audit(page));

      // The success state: the status line in the success colour, a read-only field.
      expect(first).not.toBe('');
      await page.locator('.frc-captcha #answer').fill(await answers.answerOf(await challenge(1)));
      await page.locator('.frc-captcha .verify').click();
      await expect.poll(() => token(page)).toMatch(/^v1\./);
      expectClean(await audit(page));
      await close();
    });

    it('pow: while the puzzle is being solved and once verified', async () => {
      await setMode('pow', 300_000);
      try {
        const { page, close } = await open('/demo?theme=dark');
        await expect.poll(() => page.locator('.frc-captcha progress').isVisible()).toBe(true);
        expectClean(await audit(page));
        await expect.poll(() => token(page), { timeout: 45_000 }).toMatch(/^v1\./);
        expectClean(await audit(page));
        await close();
      } finally {
        await setMode('image');
      }
    });

    it('pow+image: the image beside the puzzle', async () => {
      await setMode('pow+image');
      try {
        const { page, challenge, close } = await open('/demo?lang=ar');
        const image = await challenge();
        await imageLoaded(page);
        expectClean(await audit(page));
        await page.waitForTimeout(1600); // answer at a human pace
        await page.locator('.frc-captcha #answer').fill(await answers.answerOf(image));
        await page.locator('.frc-captcha .verify').click();
        await expect.poll(() => token(page), { timeout: 30_000 }).toMatch(/^v1\./);
        expectClean(await audit(page));
        await close();
      } finally {
        await setMode('image');
      }
    });
  });

  it('the audit sees inside the widget: a status line made faint on purpose is caught', async () => {
    const { page, close } = await open('/demo');
    await imageLoaded(page);
    await page.locator('.frc-captcha').evaluate((host) => {
      const status = host.shadowRoot?.querySelector<HTMLElement>('.status');
      if (status) {
        status.textContent = 'Faint text';
        status.style.color = '#b0b0b0';
      }
    });
    const { violations } = await audit(page);
    expect(violations.map((rule) => rule.id)).toEqual(['color-contrast']);
    expect(violations[0]?.nodes.join()).toContain('#status');
    await close();
  });

  it('names every control, image, group and status line', async () => {
    const { page, close } = await open('/demo');
    await imageLoaded(page);
    const widget = page.locator('.frc-captcha');
    expect(await widget.getByRole('group', { name: en.title }).count()).toBe(1);
    expect(await widget.getByRole('img', { name: en.imageAlt }).count()).toBe(1);
    expect(await widget.getByRole('button', { name: en.newImage, exact: true }).count()).toBe(1);
    expect(await widget.getByRole('button', { name: en.listen, exact: true }).count()).toBe(1);
    expect(await widget.getByRole('textbox', { name: en.answerLabel, exact: true }).count()).toBe(1);
    expect(await widget.getByRole('button', { name: en.verify, exact: true }).count()).toBe(1);
    expect(await widget.getByRole('status').count()).toBe(1);
    // Nothing in the accessibility tree goes unnamed.
    const snapshot = await widget.ariaSnapshot();
    const controls = snapshot.split('\n').filter((line) => /^\s*- '?(button|textbox|img|progressbar|checkbox|combobox|link)\b/.test(line));
    expect(controls.length, snapshot).toBeGreaterThanOrEqual(5);
    for (const line of controls) expect(line, snapshot).toMatch(/^\s*- '?\w+ "[^"]+"/);
    await close();
  });

  it('works with the keyboard alone: Tab to the field, type, Tab to Verify, Space', async () => {
    const { page, challenge, close } = await open('/demo');
    const id = await challenge();
    await imageLoaded(page);
    const focused = () => page.locator('.frc-captcha').evaluate((host) => host.shadowRoot?.activeElement?.className ?? host.shadowRoot?.activeElement?.tagName ?? '');
    await page.locator('#name').focus();
    await page.keyboard.type('Ada');
    // Into the widget: the image's buttons first, then the field.
    for (let i = 0; i < 4 && (await page.locator('.frc-captcha').evaluate((host) => host.shadowRoot?.activeElement?.id)) !== 'answer'; i++) {
      await page.keyboard.press('Tab');
    }
    expect(await page.locator('.frc-captcha').evaluate((host) => host.shadowRoot?.activeElement?.id)).toBe('answer');
    await page.keyboard.type(await answers.answerOf(id));
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('verify');
    // The focus ring is drawn, 3 px in the theme's focus colour.
    const outline = await page.locator('.frc-captcha .verify').evaluate((button) => {
      const style = getComputedStyle(button);
      return { width: style.outlineWidth, style: style.outlineStyle, color: style.outlineColor };
    });
    expect(outline).toEqual({ width: '3px', style: 'solid', color: 'rgb(26, 95, 180)' });
    await page.keyboard.press('Space');
    await expect.poll(() => statusText(page)).toBe(en.verified);
    expect(await token(page)).toMatch(/^v1\./);
    await close();
  });

  describe('languages', () => {
    it('German from data-lang, over the browser\'s English', async () => {
      const de = messagesFor('de');
      const { page, close } = await open('/demo?lang=de', { locale: 'en-US' });
      await imageLoaded(page);
      expect(await widgetFrame(page).getAttribute('lang')).toBe('de');
      expect(await widgetFrame(page).getAttribute('dir')).toBe('ltr');
      expect(await page.locator('.frc-captcha .title').textContent()).toBe(de.title);
      expect(await page.getByRole('button', { name: de.verify, exact: true }).count()).toBe(1);
      expect(await page.getByLabel(de.answerLabel).count()).toBe(1);
      await page.getByRole('button', { name: de.verify, exact: true }).click();
      await expect.poll(() => statusText(page)).toBe(de.typeCharacters);
      await close();
    });

    it('Japanese from the browser\'s language', async () => {
      const ja = messagesFor('ja');
      const { page, challenge, close } = await open('/demo', { locale: 'ja-JP' });
      await challenge();
      await imageLoaded(page);
      expect(await widgetFrame(page).getAttribute('lang')).toBe('ja');
      expect(await page.getByRole('img', { name: ja.imageAlt }).count()).toBe(1);
      await page.getByLabel(ja.answerLabel).fill('WRONG9');
      await page.getByRole('button', { name: ja.verify, exact: true }).click();
      await expect.poll(() => statusText(page)).toBe(ja.wrongAnswer);
      await close();
    });

    it('Arabic from the browser\'s language: right to left, mirrored layout, the answer itself left to right', async () => {
      const ar = messagesFor('ar');
      const { page, close } = await open('/demo', { locale: 'ar-EG' });
      await imageLoaded(page);
      expect(await widgetFrame(page).getAttribute('dir')).toBe('rtl');
      expect(await widgetFrame(page).getAttribute('lang')).toBe('ar');
      expect(await page.locator('.frc-captcha .title').textContent()).toBe(ar.title);
      expect(await page.getByRole('button', { name: ar.newImage, exact: true }).count()).toBe(1);
      await page.locator('form').screenshot({ path: `${OUTPUT}/widget-rtl.png` });
      const box = async (selector: string) => {
        const found = await page.locator(selector).boundingBox();
        if (!found) throw new Error(`${selector} is not shown`);
        return { left: found.x, right: found.x + found.width };
      };
      const [frame, image, newButton, field, verify] = await Promise.all(
        ['.frc-captcha .frc', '.frc-captcha img', '.frc-captcha .new', '.frc-captcha #answer', '.frc-captcha .verify'].map(box),
      );
      // Right to left: the image and its button start at the right edge, Verify sits left of the field.
      expect(frame.right - image.right).toBeLessThan(15);
      expect(image.left - frame.left).toBeGreaterThan(30);
      expect(Math.abs(newButton.right - image.right)).toBeLessThan(1);
      expect(verify.right).toBeLessThanOrEqual(field.left);
      await close();
    });
  });

  it('dark theme: other colours than the light one, the same in auto under a dark scheme', async () => {
    const colours = async (path: string, options: BrowserContextOptions = {}) => {
      const { page, close } = await open(path, options);
      await imageLoaded(page);
      const read = await widgetFrame(page).evaluate((frame) => {
        const style = getComputedStyle(frame);
        const field = frame.querySelector('input');
        return { background: style.backgroundColor, text: style.color, field: field ? getComputedStyle(field).backgroundColor : '' };
      });
      return { read, page, close };
    };
    const light = await colours('/demo');
    const dark = await colours('/demo?theme=dark');
    const auto = await colours('/demo?theme=auto', { colorScheme: 'dark' });
    const autoLight = await colours('/demo?theme=auto', { colorScheme: 'light' });
    expect(light.read).toEqual({ background: 'rgb(250, 250, 250)', text: 'rgb(27, 27, 27)', field: 'rgb(255, 255, 255)' });
    expect(dark.read).toEqual({ background: 'rgb(31, 31, 31)', text: 'rgb(236, 236, 236)', field: 'rgb(18, 18, 18)' });
    expect(auto.read).toEqual(dark.read);
    expect(autoLight.read).toEqual(light.read);
    await dark.page.locator('form').screenshot({ path: `${OUTPUT}/widget-dark.png` });
    for (const each of [light, dark, auto, autoLight]) await each.close();
  });

  it('reduced motion: no transition and a still spinner; otherwise both move', async () => {
    const motion = async (reducedMotion: 'reduce' | 'no-preference') => {
      const { page, close } = await open('/demo', { reducedMotion });
      await imageLoaded(page);
      const read = await page.locator('.frc-captcha').evaluate((host) => {
        const root = host.shadowRoot;
        const button = root?.querySelector('.verify');
        const status = root?.querySelector('.status');
        if (!button || !status) return undefined;
        status.className = 'status busy'; // as while loading: the spinner shows
        const spinner = getComputedStyle(status, '::before');
        const style = getComputedStyle(button);
        return { transition: style.transitionDuration, animation: style.animationName, spinner: spinner.animationName, spinnerShown: spinner.content !== 'none' };
      });
      await close();
      return read;
    };
    expect(await motion('reduce')).toEqual({ transition: '0s', animation: 'none', spinner: 'none', spinnerShown: true });
    expect(await motion('no-preference')).toEqual({ transition: '0.15s, 0.15s', animation: 'none', spinner: 'frc-spin', spinnerShown: true });
  });

  describe('what the page hears: Friendly Captcha\'s events and data-callback', () => {
    /** A page of our own (no CSP), so its inline script can listen. */
    async function ownPage(widgetAttributes: string, base = api.url) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const challenges = recordJsonResponses<{ challenge: string }>(page, '/challenge');
      await page.route(`${base}/events`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><html lang="en"><body><form><div class="frc-captcha" ${widgetAttributes}></div></form>
<script>
window.heard = [];
window.onCaptcha = (response) => window.heard.push({ callback: response });
for (const name of ['frc:widget.complete', 'frc:widget.error', 'frc:widget.expire']) {
  document.addEventListener(name, (event) => window.heard.push({ type: event.type, detail: event.detail }));
}
</script><script src="/widget.js"></script></body></html>`,
        }),
      );
      await page.goto(`${base}/events`);
      const heard = () => page.evaluate(() => (window as unknown as { heard: Record<string, unknown>[] }).heard);
      return { page, challenges, heard, close: () => context.close() };
    }

    it('frc:widget.complete and the data-callback get the token; frc:widget.expire when it is dropped', async () => {
      const { page, challenges, heard, close } = await ownPage(`data-sitekey="${sitekey}" data-callback="onCaptcha"`, shortLived.url);
      await waitFor(() => Promise.resolve(challenges.length > 0), 10_000, 'a challenge');
      await page.locator('.frc-captcha #answer').fill(await answers.answerOf(challenges[0]?.challenge ?? ''));
      await page.locator('.frc-captcha .verify').click();
      await expect.poll(() => token(page)).toMatch(/^v1\./);
      const response = await token(page);
      await expect.poll(heard).toEqual([
        { type: 'frc:widget.complete', detail: { name: 'frc:widget.complete', state: 'completed', response } },
        { callback: response },
      ]);
      // 6 s tokens, dropped 5 s early.
      await expect.poll(heard, { timeout: 5000 }).toContainEqual({ type: 'frc:widget.expire', detail: { name: 'frc:widget.expire', state: 'expired' } });
      expect(await token(page)).toBe('');
      await close();
    });

    it('frc:widget.error when the service refuses, with its error code', async () => {
      const { page, heard, close } = await ownPage('data-sitekey="not-a-sitekey"');
      await expect.poll(heard).toEqual([
        { type: 'frc:widget.error', detail: { name: 'frc:widget.error', state: 'error', error: { code: expect.any(String) as string, detail: expect.any(String) as string } } },
      ]);
      expect(await statusText(page)).toMatch(/^Could not start the check \(.+\)\.$/);
      await close();
    });
  });

  it('single-page apps: render into an element added later, destroy it, render again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.route(`${api.url}/spa`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="en"><body><main id="app"></main><script src="/widget.js"></script></body></html>' }),
    );
    await page.goto(`${api.url}/spa`);
    const addForm = (id: string) =>
      page.evaluate(
        ({ id, sitekey }) => {
          const form = document.createElement('form');
          form.innerHTML = `<div id="${id}" data-sitekey="${sitekey}" data-theme="dark"></div>`;
          document.getElementById('app')?.append(form);
          (window as unknown as { frcCaptcha: { render(target: string): void } }).frcCaptcha.render(`#${id}`);
        },
        { id, sitekey },
      );
    await addForm('later');
    await expect.poll(() => page.locator('#later img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
    expect(await page.locator('#later input[name="frc-captcha-response"]').count()).toBe(1);
    await page.evaluate(() => (window as unknown as { frcCaptcha: { destroy(target: string): void } }).frcCaptcha.destroy('#later'));
    expect(await page.locator('#later').evaluate((host) => host.shadowRoot?.childNodes.length)).toBe(0);
    // The same element again (a route shown twice), then a new one.
    await page.evaluate(() => (window as unknown as { frcCaptcha: { render(target: string): void } }).frcCaptcha.render('#later'));
    await expect.poll(() => page.locator('#later img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
    await page.evaluate(() => {
      const api = (window as unknown as { frcCaptcha: { destroy(target: string): void } }).frcCaptcha;
      api.destroy('#later');
      document.getElementById('app')?.replaceChildren();
    });
    await addForm('next');
    await expect.poll(() => page.locator('#next img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
    await context.close();
  });
});
