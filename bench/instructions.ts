/**
 * `npm run bench:instructions`: the instructions the API executes per request
 * on each hot path, beside its reference handler's (bench/hot-paths.ts), both
 * processes under valgrind's callgrind. CPU time on this shared machine moves
 * by a third between minutes, so `npm run bench`'s ratios move with it;
 * instruction counts do not, and show what a change to a path is worth. They
 * leave out the kernel's share of a request (its socket reads and writes),
 * which a path and its reference pay alike, so they overstate the ratio of
 * CPU time a little, never understate it.
 *
 * Each path and its reference are warmed up (V8 optimises the hot functions
 * first), then measured in alternating windows of the same number of
 * requests, after two windows that are counted and dropped; the least window is reported, with every window's figure. What
 * disturbs a count here only ever adds instructions (a major garbage
 * collection, V8 optimising a function again, a timer's background work,
 * all the heavier for valgrind's slowness), so the least of several windows
 * is the one nearest a request's own cost; windows far apart say the run
 * was disturbed.
 *
 * Usage: npm run bench:instructions -- [requests per window, default 2000] [windows, default 5]
 * BENCH_ONLY=<part,…> picks paths by name; BENCH_WARMUP sets the warm-up requests (default 8,000).
 * Writes a markdown table to stdout and JSON to bench/results/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { decodeEntry } from '../shared/domain/captcha/captcha-entry.js';
import { keyspace } from '../shared/adapters/redis/keys.js';
import { loadConfig } from '../shared/runtime/config.js';
import { freePort } from '../tooling/free-port.js';
import { startRedisServer } from '../tooling/redis-server.js';
import { UNDER_MEASUREMENT } from '../tooling/service-processes.js';
import { withAdmin } from '../tooling/token-api.js';
import { waitFor } from '../tooling/wait-for.js';
import { startUnderCallgrind, type CallgrindProcess } from './callgrind.js';
import { closedLoop } from './closed-loop.js';
import { BENCH_ORIGIN, hotPathScenarios } from './hot-paths.js';
import { benchServiceEnv, fillPool, renderWithWorker } from './pool-fixtures.js';
import { REFERENCE_SERVER_SCRIPT, referenceServerEnv, seedReferences } from './reference-fixtures.js';

const perWindow = Number(process.argv[2] ?? 2000);
const windows = Math.max(1, Number(process.argv[3] ?? 5));
const warmUp = Number(process.env.BENCH_WARMUP ?? 8000);
// The first windows after counting starts run high in every process, the reference's too, whatever the warm-up before them (a fifth to twice a later window's count): they are counted and dropped.
const DROPPED_WINDOWS = 2;
// Every request of a path, warm-up included, gets a captcha or token of its own.
const requestsPerPath = warmUp + (DROPPED_WINDOWS + windows) * perWindow;
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);

const redisServer = await startRedisServer();
const prefix = `instr${randomBytes(3).toString('hex')}`;
const keys = keyspace(prefix);
const redis = new Redis(redisServer.url);
const tokenSecret = randomBytes(32).toString('hex');
const env = {
  ...process.env,
  ...UNDER_MEASUREMENT,
  ...benchServiceEnv(redisServer.url, prefix, tokenSecret),
  // Under valgrind a pause to optimise a function can outlast the default second: a request would fail rather than be measured.
  REDIS_COMMAND_TIMEOUT_MS: '60000',
};

const processes: CallgrindProcess[] = [];
try {
  // ---- real renders by a worker, then copies of them for both issuing paths and the references
  const rendered = await renderWithWorker(redis, keys, env, 200, 50);
  const firstPng = decodeEntry(rendered[0] ?? Buffer.alloc(0))?.png;
  if (!firstPng) throw new Error('no rendered entry to copy');
  const pooled = 2 * requestsPerPath + 1000;
  await fillPool(redisServer.url, keys, rendered, pooled);
  const referencePrefix = `${prefix}ref`;
  await seedReferences(redis, referencePrefix, rendered, firstPng, pooled);

  // ---- both servers under callgrind
  const port = await freePort();
  const api = startUnderCallgrind('dist/services/api/main.js', { ...env, PORT: String(port), API_OPS_PORT: String(await freePort()), HOST: '127.0.0.1' });
  processes.push(api);
  const peerSecrets = { altchaSignatureSecret: randomBytes(32).toString('hex'), altchaKeySignatureSecret: randomBytes(32).toString('hex') };
  const reference = startUnderCallgrind(REFERENCE_SERVER_SCRIPT, referenceServerEnv(redisServer.url, referencePrefix, peerSecrets));
  processes.push(reference);
  const base = `http://127.0.0.1:${String(port)}`;
  // Valgrind starts Node some twenty times slower than it runs.
  await waitFor(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true, 300_000, `the API under callgrind\n${api.output()}`);
  await waitFor(() => Promise.resolve(/\{"port":\d+\}/.test(reference.output())), 300_000, 'the reference server under callgrind');
  const referenceBase = `http://127.0.0.1:${/\{"port":(\d+)\}/.exec(reference.output())?.[1] ?? ''}`;

  const site = await withAdmin(loadConfig({ REDIS_URL: redisServer.url, KEY_PREFIX: prefix }), (admin) => admin.createSite({ name: 'bench', origins: [BENCH_ORIGIN] }));
  const epoch = (await redis.get(keys.epoch)) ?? '';
  const scenarios = hotPathScenarios({ redis, keys, referencePrefix, rendered, site: site.site, apiKey: site.key?.apiKey ?? '', tokenSecret, epoch, requestsPerScenario: requestsPerPath });

  interface Row {
    readonly name: string;
    readonly reference: string;
    readonly goal: number | undefined;
    readonly ours: number[];
    readonly referenceCounts: number[];
    readonly errors: number;
  }
  const rows: Row[] = [];
  const perRequest = async (server: CallgrindProcess, url: string, scenario: Awaited<ReturnType<(typeof scenarios)[number]['scenario']>>): Promise<{ count: number; errors: number }> => {
    const { instructions, result } = await server.window(() => closedLoop(url, scenario, perWindow));
    return { count: instructions / perWindow, errors: result.errors };
  };
  for (const path of scenarios) {
    const ours = await path.scenario();
    if (only && !only.some((part) => ours.name.includes(part))) continue;
    const theirs = await path.reference();
    const warm = [await closedLoop(base, ours, warmUp), await closedLoop(referenceBase, theirs, warmUp)];
    let errors = warm.reduce((sum, run) => sum + run.errors, 0);
    const row: Row = { name: ours.name, reference: path.referenceName, goal: path.goal, ours: [], referenceCounts: [], errors: 0 };
    for (let window = 0; window < DROPPED_WINDOWS + windows; window++) {
      const referenceWindow = await perRequest(reference, referenceBase, theirs);
      const oursWindow = await perRequest(api, base, ours);
      errors += referenceWindow.errors + oursWindow.errors;
      if (window < DROPPED_WINDOWS) continue;
      row.referenceCounts.push(referenceWindow.count);
      row.ours.push(oursWindow.count);
    }
    rows.push({ ...row, errors });
    process.stderr.write(`${ours.name}: ${row.ours.map((n) => (n / 1000).toFixed(1)).join(', ')}k instructions/req; reference ${row.referenceCounts.map((n) => (n / 1000).toFixed(1)).join(', ')}k\n`);
  }

  // ---- report
  const least = (values: readonly number[]): number => Math.min(...values);
  const kilo = (n: number): string => (n / 1000).toFixed(1);
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} with valgrind's callgrind, Node ${process.version}; ${String(warmUp)} warm-up requests, then ${String(DROPPED_WINDOWS)} dropped and ${String(windows)} counted windows of ${String(perWindow)} requests each for a path and its reference in turn, 8 at a time.`,
    '',
    '| path | reference | ours k instructions/req | reference k instructions/req | ratio (least windows) | ours, every window | reference, every window | goal | met? | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => {
      const ratio = least(row.ours) / least(row.referenceCounts);
      const goal = row.goal === undefined ? '—' : `≤ ${row.goal.toFixed(2)}×`;
      const met = row.goal === undefined ? '—' : ratio <= row.goal ? 'yes' : 'no';
      return `| ${row.name} | ${row.reference} | ${kilo(least(row.ours))} | ${kilo(least(row.referenceCounts))} | ${ratio.toFixed(2)} | ${row.ours.map(kilo).join(', ')} | ${row.referenceCounts.map(kilo).join(', ')} | ${goal} | ${met} | ${String(row.errors)} |`;
    }),
  ];
  console.log(lines.join('\n'));
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/instructions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ perWindow, windows, warmUp, rows }, null, 2));
  console.log(`\nJSON: ${file}`);
} finally {
  for (const server of processes) await server.stop();
  redis.disconnect();
  await redisServer.stop();
}
