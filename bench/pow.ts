/**
 * Proof-of-work figures: how many solved puzzles one API process checks per
 * second of CPU, and how long headless Chromium takes to solve a puzzle with
 * the real widget (Web Workers, WebCrypto SHA-256) at a given work.
 * Usage: npm run bench:pow [-- --checks N] [--solves N] [--work W[,W…]]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/runtime/config.js';
import { systemClock } from '../shared/domain/clock.js';
import { PowPuzzles, type PuzzlePayload } from '../shared/domain/pow/puzzle.js';
import { launchChromium } from '../tooling/browser.js';
import { solveForTest } from '../tooling/pow.js';
import { spawnApi } from '../tooling/service-processes.js';
import { startRedisServer } from '../tooling/redis-server.js';
import { withAdmin } from '../tooling/token-api.js';

const { values } = parseArgs({
  options: {
    checks: { type: 'string', default: '20000' },
    solves: { type: 'string', default: '30' },
    work: { type: 'string', default: String(loadConfig({}).powWork) },
  },
});
const checks = Number(values.checks);
const solves = Number(values.solves);
const works = values.work.split(',').map(Number);

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** Server side: create puzzles, solve a set once, then check solutions in a loop (checking never marks anything used). */
async function serverFigures(): Promise<void> {
  const puzzles = new PowPuzzles(randomBytes(32).toString('hex'), systemClock, 300);
  const binding = { sitekey: 'FCAAAAAAAAAAAAAA', origin: 'https://shop.example', image: '' };

  const created = 2000;
  let cpu = process.cpuUsage();
  let started = performance.now();
  for (let i = 0; i < created; i++) await puzzles.create(binding, 30_000);
  const createWall = (performance.now() - started) / 1000;
  let used = process.cpuUsage(cpu);
  const createCpu = (used.user + used.system) / 1e6;

  const solved: PuzzlePayload[] = [];
  for (let i = 0; i < 50; i++) solved.push(await solveForTest((await puzzles.create(binding, 1000)).challenge, 1000));

  cpu = process.cpuUsage();
  started = performance.now();
  let verified = 0;
  const batch = 32; // as many checks in flight as a busy pod would have
  for (let done = 0; done < checks; done += batch) {
    const results = await Promise.all(solved.slice(0, batch).map((payload) => puzzles.check(payload)));
    verified += results.filter((result) => result.ok).length;
  }
  const checkWall = (performance.now() - started) / 1000;
  used = process.cpuUsage(cpu);
  const checkCpu = (used.user + used.system) / 1e6;
  if (verified < checks) throw new Error(`only ${verified} of ${checks} checks succeeded`);

  console.log('Server side, one Node process (altcha-lib, WebCrypto HMAC; CPU = user + system of all its threads):\n');
  console.log('| operation | count | per wall second | per CPU second |');
  console.log('| --- | --- | --- | --- |');
  console.log(`| create a signed puzzle | ${created} | ${(created / createWall).toFixed(0)} | ${(created / createCpu).toFixed(0)} |`);
  console.log(`| check a solved puzzle (signature, expiry, solution) | ${verified} | ${(verified / checkWall).toFixed(0)} | ${(verified / checkCpu).toFixed(0)} |`);
}

/** Browser side: the built widget on a page of the API's origin, in a site set to pow; time from challenge reply to proof request. */
async function browserFigures(): Promise<void> {
  const redis = await startRedisServer();
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const config = loadConfig({ REDIS_URL: redis.url, KEY_PREFIX: prefix });
  // Volume steps off: every solve at the same work, however many this one client makes.
  const api = await spawnApi({ REDIS_URL: redis.url, KEY_PREFIX: prefix, TOKEN_SECRET: randomBytes(32).toString('hex'), POW_VOLUME_STEP: '0' });
  const browser = await launchChromium();
  const rows: string[] = [];
  try {
    const sitekey = await withAdmin(config, async (admin) => (await admin.createSite({ name: 'bench', origins: [api.url] })).site.sitekey);
    for (const work of works) {
      await withAdmin(config, async (admin) => {
        await admin.setMode(sitekey, 'pow');
        await admin.setPowWork(sitekey, work);
      });
      const page = await browser.newPage();
      await page.route(`${api.url}/bench`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><html lang="en"><body><form><div class="frc-captcha" data-sitekey="${sitekey}"></div></form><script src="/widget.js"></script></body></html>`,
        }),
      );
      // Marks the moment a challenge arrives and the moment its proof leaves.
      await page.addInitScript(() => {
        const marks: { kind: string; at: number }[] = [];
        (window as unknown as { marks: typeof marks }).marks = marks;
        const original = window.fetch.bind(window);
        window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
          const url = input instanceof Request ? input.url : String(input);
          if (url.endsWith('/proof')) marks.push({ kind: 'proof', at: performance.now() });
          const response = await original(input, init);
          if (url.endsWith('/challenge')) marks.push({ kind: 'challenge', at: performance.now() });
          return response;
        };
      });
      const solvedOnce = () =>
        page.evaluate(
          () =>
            new Promise<void>((resolve) => {
              const element = document.querySelector('.frc-captcha');
              element?.addEventListener('frc:solved', () => resolve(), { once: true });
            }),
        );
      await page.goto(`${api.url}/bench`);
      // Warm-up: the first solve starts the workers and warms the JIT.
      await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input[name="frc-captcha-response"]')?.value !== '', undefined, {
        timeout: 120_000,
      });
      const times: number[] = [];
      for (let i = 0; i < solves; i++) {
        const next = solvedOnce();
        await page.evaluate(() => void (window as unknown as { frcCaptcha: { reset(): Promise<void[]> } }).frcCaptcha.reset());
        await next;
        const marks = await page.evaluate(() => (window as unknown as { marks: { kind: string; at: number }[] }).marks);
        const challenge = marks.filter((mark) => mark.kind === 'challenge').at(-1)?.at ?? Number.NaN;
        const proof = marks.filter((mark) => mark.kind === 'proof').at(-1)?.at ?? Number.NaN;
        times.push(proof - challenge);
      }
      await page.close();
      const sorted = [...times].sort((a, b) => a - b);
      const median = percentile(sorted, 50);
      rows.push(
        `| ${work} | ${solves} | ${median.toFixed(0)} | ${percentile(sorted, 90).toFixed(0)} | ${(sorted[0] ?? 0).toFixed(0)} | ${(sorted.at(-1) ?? 0).toFixed(0)} | ${((work / median) * 1000).toFixed(0)} |`,
      );
    }
  } finally {
    await browser.close();
    await api.stop();
    await redis.stop();
  }
  console.log(`\nHeadless Chromium (${process.env.CHROMIUM_PATH ?? 'Debian chromium'}), the built widget, one worker per core; ms from challenge reply to proof request:\n`);
  console.log('| work (average hashes) | solves | median ms | p90 ms | min ms | max ms | hashes/s at the median |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

await serverFigures();
if (solves > 0) await browserFigures();
