/**
 * `npm run bench`: throughput and latency of every hot path against the web
 * framework's own limit, render throughput against svg-captcha, and Redis
 * memory per captcha — all measured in one run on this machine.
 *
 * Usage: npm run bench -- [seconds per scenario] [connections]
 * Writes a markdown table to stdout and JSON to bench/results/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { decodeEntry, encodeEntry } from '../shared/captcha/captcha-entry.js';
import { newCaptchaId } from '../shared/captcha/captcha-id.js';
import { stampBinding } from '../shared/captcha/captcha-store.js';
import { loadConfig } from '../shared/config.js';
import { keyspace, poolShardTag } from '../shared/redis/keys.js';
import { ResponseTokens } from '../shared/token/response-token.js';
import { spawnApi, spawnService } from '../tooling/service-processes.js';
import { startRedisServer } from '../tooling/redis-server.js';
import { waitFor } from '../tooling/wait-for.js';
import { withAdmin } from '../tooling/token-api.js';
import { loadGeneratorName, measure, type Measured, type Scenario } from './load-generator.js';
import { renderThroughput } from './render-throughput.js';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 50);
const FIXED_RATE = 2000;
const ORIGIN = 'https://bench.example';
const SHARDS = 4;

const redisServer = await startRedisServer();
const prefix = `bench${randomBytes(3).toString('hex')}`;
const keys = keyspace(prefix);
const redis = new Redis(redisServer.url);
const tokenSecret = randomBytes(32).toString('hex');
const env = {
  REDIS_URL: redisServer.url,
  KEY_PREFIX: prefix,
  TOKEN_SECRET: tokenSecret,
  POOL_SHARDS: String(SHARDS),
  // The load runs on a pre-filled pool; a low watermark of one keeps refills off the measured path.
  POOL_TARGET_SIZE: '400000',
  POOL_LOW_WATERMARK: '4',
  LOG_LEVEL: 'warn',
};

const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

// ---- warm the pool: real renders by a worker, then copies of them up to the size the run needs
const worker = spawnService('worker', { ...env, POOL_TARGET_SIZE: '2000', POOL_LOW_WATERMARK: '1000' });
const depth = async (): Promise<number> => (await Promise.all(Array.from({ length: SHARDS }, (_, s) => redis.llen(keys.poolShard(s))))).reduce((a, b) => a + b, 0);
await waitFor(async () => (await depth()) >= 2000, 60_000, 'the worker to warm the pool');
await worker.stop('SIGTERM');
const rendered = await redis.lrangeBuffer(keys.poolShard(0), 0, 99);

const memoryBeforePool = await usedMemory();
// Enough for the fastest scenarios (issue, widget challenge) to never find the pool empty.
const pooledCopies = 40_000 * (seconds + 1);
for (let batch = 0; batch < pooledCopies; batch += 1000) {
  const pipeline = redis.pipeline();
  for (let shard = 0; shard < SHARDS; shard++) {
    pipeline.lpush(keys.poolShard(shard), ...Array.from({ length: 250 }, (_, i) => rendered[(batch + i) % rendered.length] ?? Buffer.alloc(0)));
  }
  await pipeline.exec();
}
const bytesPerPooled = ((await usedMemory()) - memoryBeforePool) / pooledCopies;

// BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the API process there (open it in Chrome DevTools).
const profileDir = process.env.BENCH_PROFILE_DIR;
const api = await spawnApi(env, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
const base = api.url;
const config = loadConfig({ REDIS_URL: redisServer.url, KEY_PREFIX: prefix });
const site = await withAdmin(config, (admin) => admin.createSite({ name: 'bench', origins: [ORIGIN] }));
const apiKey = site.key?.apiKey ?? '';

/** Fills Redis with live captchas (optionally bound to the widget site) and returns [id, answer] pairs. */
async function liveCaptchas(count: number, binding: string): Promise<[string, string][]> {
  const pairs: [string, string][] = [];
  for (let done = 0; done < count; done += 1000) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1000; i++) {
      const source = decodeEntry(rendered[(done + i) % rendered.length] ?? Buffer.alloc(0));
      if (!source) throw new Error('bad pool entry');
      const id = newCaptchaId(poolShardTag(i % SHARDS));
      // As the store issues it: the issue time travels ahead of the binding.
      pipeline.set(keys.captcha(id), encodeEntry({ ...source, binding: stampBinding(Date.now(), binding) }), 'EX', 600);
      pairs.push([id, source.answer]);
    }
    await pipeline.exec();
  }
  return pairs;
}

// Enough live captchas and tokens that no request repeats one, at up to ~25,000 req/s.
const perScenario = Math.ceil(25_000 * (seconds + 1));
const cycle = <T>(items: T[]): (() => T) => {
  let i = 0;
  return () => items[i++ % items.length];
};
const imageIds = (await liveCaptchas(500, '')).map(([id]) => id);
const epoch = (await redis.get(keys.epoch)) ?? '';
const tokens = new ResponseTokens(tokenSecret);
const signTokens = (count: number) =>
  Array.from({ length: count }, () =>
    tokens.sign({ id: ResponseTokens.newId(), sitekey: site.site.sitekey, accountId: site.site.accountId, origin: ORIGIN, solvedAt: Date.now(), expiresAt: Date.now() + 600_000, epoch }),
  );

const scenarios: { scenario: () => Promise<Scenario> }[] = [
  { scenario: () => Promise.resolve({ name: 'ceiling: GET /healthz (same Koa stack)', path: '/healthz' }) },
  { scenario: () => Promise.resolve({ name: 'classic issue: GET /3.0/captcha', path: '/3.0/captcha' }) },
  { scenario: () => Promise.resolve({ name: 'image: GET /3.0/captcha/getImage/<hash>', paths: cycle(imageIds.map((id) => `/3.0/captcha/getImage/${id}`)) }) },
  {
    scenario: async () => {
      const next = cycle((await liveCaptchas(perScenario, '')).map(([id, answer]) => `/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`));
      return { name: 'classic check (right answer, consumes)', paths: next };
    },
  },
  {
    scenario: () =>
      Promise.resolve({
        name: 'widget challenge: POST …/challenge',
        method: 'POST' as const,
        path: `/api/v2/widget/${site.site.sitekey}/challenge`,
        headers: { Origin: ORIGIN },
      }),
  },
  {
    scenario: async () => {
      const next = cycle(await liveCaptchas(perScenario, JSON.stringify([site.site.sitekey, ORIGIN])));
      return {
        name: 'widget solve: POST …/solve (right answer)',
        method: 'POST' as const,
        path: `/api/v2/widget/${site.site.sitekey}/solve`,
        headers: { Origin: ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: () => {
          const [id, answer] = next();
          return `challenge=${id}&answer=${answer}`;
        },
      };
    },
  },
  {
    scenario: () => {
      const next = cycle(signTokens(perScenario));
      return Promise.resolve({
        name: 'siteverify: POST /api/v2/captcha/siteverify',
        method: 'POST' as const,
        path: '/api/v2/captcha/siteverify',
        headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
        body: () => JSON.stringify({ response: next() }),
      });
    },
  },
];

// The ceiling is measured again right before each scenario, and each ratio uses
// that neighbouring run: on a shared machine the speed drifts between minutes.
const CLOCK_TICKS_PER_SECOND = 100;
/** CPU seconds (user + system) the API process has used so far, from /proc. */
function apiCpuSeconds(): number {
  const fields = readFileSync(`/proc/${String(api.child.pid)}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
/** Runs a load of `seconds` and adds the API process's CPU time per request, in microseconds. */
async function apiCpu(run: () => Promise<Measured>): Promise<Measured & { cpuUs: number }> {
  const before = apiCpuSeconds();
  const result = await run();
  return { ...result, cpuUs: ((apiCpuSeconds() - before) * 1e6) / (result.rps * seconds) };
}

const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const [ceilingEntry, ...pathEntries] = scenarios;
if (!ceilingEntry) throw new Error('no ceiling scenario');
const ceilingScenario = await ceilingEntry.scenario();
const rows: { name: string; max: Measured; fixed: Measured; ceiling: number; cpuUs: number }[] = [];
const ceilingRuns: (Measured & { cpuUs: number })[] = [];
await measure(base, ceilingScenario, { duration: 1, connections }); // warm-up
for (const { scenario: prepare } of pathEntries) {
  const scenario = await prepare();
  if (only && !only.some((part) => scenario.name.includes(part))) continue;
  await measure(base, scenario, { duration: 1, connections, distinctRequests: 25_000 }); // warm-up
  const ceiling = await apiCpu(() => measure(base, ceilingScenario, { duration: seconds, connections }));
  ceilingRuns.push(ceiling);
  const loaded = await prepare();
  const max = await apiCpu(() => measure(base, loaded, { duration: seconds, connections, distinctRequests: perScenario }));
  const fixed = await measure(base, await prepare(), { duration: seconds, connections: 20, overallRate: FIXED_RATE });
  rows.push({ name: scenario.name, max, fixed, ceiling: ceiling.rps, cpuUs: max.cpuUs });
  process.stderr.write(`${scenario.name}: ${max.rps.toFixed(0)} req/s, ceiling just before: ${ceiling.rps.toFixed(0)} req/s\n`);
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const ceilingRow = {
  name: ceilingScenario.name,
  max: { rps: median(ceilingRuns.map((r) => r.rps)), p50: median(ceilingRuns.map((r) => r.p50)), p99: median(ceilingRuns.map((r) => r.p99)), errors: ceilingRuns.reduce((sum, r) => sum + r.errors, 0) },
  fixed: await measure(base, ceilingScenario, { duration: seconds, connections: 20, overallRate: FIXED_RATE }),
};
const ceilingCpuUs = median(ceilingRuns.map((r) => r.cpuUs));
rows.unshift({ ...ceilingRow, ceiling: ceilingRow.max.rps, cpuUs: ceilingCpuUs });

// ---- memory per live captcha: issue through the API and watch used_memory
const liveCount = 20_000;
const beforeIssue = await usedMemory();
for (let i = 0; i < liveCount; i += 200) await Promise.all(Array.from({ length: 200 }, () => fetch(`${base}/3.0/captcha`).then((r) => r.arrayBuffer())));
const bytesPerLive = bytesPerPooled + ((await usedMemory()) - beforeIssue) / liveCount;

await api.stop();
await redis.quit();
await redisServer.stop();

const render = await renderThroughput(seconds >= 3 ? 2000 : 200);

// ---- report
const fmt = (n: number, digits = 0): string => n.toFixed(digits);
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}; ${seconds} s per scenario, ${connections} connections, one API process; load from ${loadGeneratorName()}.`,
  '',
  `| scenario | req/s | p50 (ms) | p99 (ms) | × ceiling | API CPU µs/req | × ceiling by CPU | p50 @ ${FIXED_RATE}/s | p99 @ ${FIXED_RATE}/s | errors |`,
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmt(r.max.rps)} | ${fmt(r.max.p50, 1)} | ${fmt(r.max.p99, 1)} | ${fmt(r.max.rps / r.ceiling, 2)} | ${fmt(r.cpuUs)} | ${fmt(ceilingCpuUs / r.cpuUs, 2)} | ${fmt(r.fixed.p50, 1)} | ${fmt(r.fixed.p99, 1)} | ${r.max.errors + r.fixed.errors} |`,
  ),
  '',
  '| renderer (240×80 PNG) | images/s per core | bytes per image |',
  '| --- | --- | --- |',
  ...render.map((r) => `| ${r.name} | ${fmt(r.perCore)} | ${fmt(r.bytes)} |`),
  '',
  '| Redis memory | bytes |',
  '| --- | --- |',
  `| per pooled captcha | ${fmt(bytesPerPooled)} |`,
  `| per live (issued) captcha, image included | ${fmt(bytesPerLive)} |`,
];
console.log(lines.join('\n'));
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ seconds, connections, rows, render, bytesPerPooled, bytesPerLive }, null, 2));
console.log(`\nJSON: ${file}`);
