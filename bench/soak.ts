/**
 * `npm run soak`: a bounded soak through nginx over a local cluster (two API
 * processes, one worker, own redis-server), at a steady request rate that
 * mixes issue, image, check and siteverify. Reports the error rate, latency
 * percentiles and Redis memory drift. Usage: npm run soak -- [seconds] [requests/s]
 */
import { loadConfig } from '../shared/runtime/config.js';
import { startLocalCluster } from '../tooling/local-cluster.js';
import { solveWidget, withAdmin } from '../tooling/token-api.js';

const seconds = Number(process.argv[2] ?? 180);
const rate = Number(process.argv[3] ?? 400);
const ORIGIN = 'https://shop.example';

const cluster = await startLocalCluster({ apis: 2, env: { POOL_TARGET_SIZE: '4000', POOL_LOW_WATERMARK: '1600', LOG_LEVEL: 'warn' } });
const config = loadConfig({ REDIS_URL: cluster.redis.url, KEY_PREFIX: cluster.prefix });
const created = await withAdmin(config, (admin) => admin.createSite({ name: 'soak', origins: [ORIGIN] }));
const apiKey = created.key?.apiKey ?? '';
const base = cluster.nginx.url;

const usedMemory = async (): Promise<number> => {
  const { Redis } = await import('ioredis');
  const redis = new Redis(cluster.redis.url);
  const info = await redis.info('memory');
  await redis.quit();
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
};

const latencies: number[] = [];
const errors: string[] = [];
let sent = 0;

/** One user journey step, chosen round-robin: issue+image, issue+right answer, widget solve+siteverify. */
async function step(n: number): Promise<void> {
  const timedFetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const started = performance.now();
    const response = await fetch(url, init);
    await response.clone().arrayBuffer();
    latencies.push(performance.now() - started);
    sent++;
    return response;
  };
  const expectStatus = (response: Response, status: number, what: string): void => {
    if (response.status !== status) errors.push(`${what}: ${response.status}`);
  };
  try {
    if (n % 3 === 2) {
      const token = await solveWidget(base, cluster.answers, created.site.sitekey, ORIGIN);
      sent += 2;
      const verified = await timedFetch(`${base}/api/v2/captcha/siteverify`, {
        method: 'POST',
        headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({ response: token }),
      });
      const body = (await verified.json()) as { success: boolean };
      if (!body.success) errors.push('siteverify: not success');
      return;
    }
    const issued = await timedFetch(`${base}/3.0/captcha`);
    expectStatus(issued, 200, 'issue');
    const { imageUrl, imageHash } = ((await issued.json()) as { response: { captchaResponse: { imageUrl: string; imageHash: string } } }).response.captchaResponse;
    if (n % 3 === 0) {
      expectStatus(await timedFetch(imageUrl), 200, 'image');
    } else {
      const answer = await cluster.answers.answerOf(imageHash);
      expectStatus(await timedFetch(`${base}/3.0/captcha/testCaptcha/hash/${imageHash}/response/${answer}`), 200, 'check');
    }
  } catch (error) {
    errors.push(`fetch: ${String(error)}`);
  }
}

const memoryBefore = await usedMemory();
const started = Date.now();
const pending = new Set<Promise<void>>();
let n = 0;
const interval = 1000 / (rate / 2.3); // ~2.3 requests per step on average
while (Date.now() - started < seconds * 1000) {
  const next = started + n * interval;
  const wait = next - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const work = step(n++).finally(() => pending.delete(work));
  pending.add(work);
}
await Promise.all(pending);
const elapsed = (Date.now() - started) / 1000;
const memoryAfter = await usedMemory();
await cluster.stop();

latencies.sort((a, b) => a - b);
const pct = (p: number): string => (latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0).toFixed(1);
console.log('| duration (s) | requests | rate (req/s) | errors | error rate | p50 (ms) | p99 (ms) | Redis used_memory start → end |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
console.log(
  `| ${elapsed.toFixed(0)} | ${sent} | ${(sent / elapsed).toFixed(0)} | ${errors.length} | ${((100 * errors.length) / Math.max(1, sent)).toFixed(3)}% | ${pct(50)} | ${pct(99)} | ${(memoryBefore / 1048576).toFixed(1)} MiB → ${(memoryAfter / 1048576).toFixed(1)} MiB |`,
);
if (errors.length > 0) console.log('first errors:', errors.slice(0, 5));
