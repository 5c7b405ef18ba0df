/**
 * `npm run bench`: every hot path's CPU per request (the API's and Redis's)
 * and throughput beside a minimal Koa handler doing the same Redis work
 * (bench/reference-routes.ts), its p99 at a fixed rate, our siteverify beside
 * Cap's and ALTCHA's checks (bench/peer-routes.ts), render throughput against
 * svg-captcha, and Redis memory per captcha — all measured in one run on this
 * machine.
 *
 * Usage: npm run bench -- [seconds per scenario] [connections]
 * Writes a markdown table to stdout and JSON to bench/results/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { decodeEntry } from '../shared/domain/captcha/captcha-entry.js';
import { loadConfig } from '../shared/runtime/config.js';
import { keyspace } from '../shared/adapters/redis/keys.js';
import { spawnApi } from '../tooling/service-processes.js';
import { startRedisServer } from '../tooling/redis-server.js';
import { withAdmin } from '../tooling/token-api.js';
import { loadGeneratorName, measure, type Scenario } from './load-generator.js';
import { withCpu } from './process-cpu.js';
import { altchaPayloads, capTokens, seedReferences, startReferenceServer } from './reference-fixtures.js';
import { BENCH_ORIGIN, cycle, hotPathScenarios } from './hot-paths.js';
import { benchServiceEnv, fillPool, renderWithWorker } from './pool-fixtures.js';
import { latencyTable, medianRound, pathTable, peerTable, type PathRow, type PeerRow, type Run } from './side-by-side.js';
import { renderThroughput } from './render-throughput.js';

const seconds = Number(process.argv[2] ?? 5);
// Each path and its reference run in turn this many times; the round with the median ratio is reported.
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const connections = Number(process.argv[3] ?? 50);
const FIXED_RATE = 2000;

const redisServer = await startRedisServer();
const prefix = `bench${randomBytes(3).toString('hex')}`;
const keys = keyspace(prefix);
const redis = new Redis(redisServer.url);
const tokenSecret = randomBytes(32).toString('hex');
const env = benchServiceEnv(redisServer.url, prefix, tokenSecret);

const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

// ---- warm the pool: real renders by a worker, then copies of them up to the size the run needs
const rendered = await renderWithWorker(redis, keys, env, 2000, 100);

const memoryBeforePool = await usedMemory();
// Enough for the fastest scenarios (issue, widget challenge) to never find the pool empty.
// Two paths drain it (warm-up and full-speed run at up to 30,000 req/s, then a fixed-rate run), then the memory phase's 20,000 issues.
const pooledCopies = 2 * (30_000 * (rounds * seconds + 1) + FIXED_RATE * seconds) + 20_000;
await fillPool(redisServer.url, keys, rendered, pooledCopies);
const bytesPerPooled = ((await usedMemory()) - memoryBeforePool) / pooledCopies;

// BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the API process there (open it in Chrome DevTools).
const profileDir = process.env.BENCH_PROFILE_DIR;
const api = await spawnApi(env, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
const base = api.url;
const config = loadConfig({ REDIS_URL: redisServer.url, KEY_PREFIX: prefix });
const site = await withAdmin(config, (admin) => admin.createSite({ name: 'bench', origins: [BENCH_ORIGIN] }));
const apiKey = site.key?.apiKey ?? '';

// Enough live captchas and tokens that no request repeats one, at up to ~40,000 req/s (a reference on a quiet machine).
const perScenario = Math.ceil(40_000 * (seconds + 1));
const epoch = (await redis.get(keys.epoch)) ?? '';

// ---- the references and peers: their own process, the same Redis
const referencePrefix = `${prefix}ref`;
const peerSecrets = { altchaSignatureSecret: randomBytes(32).toString('hex'), altchaKeySignatureSecret: randomBytes(32).toString('hex') };
// Under BENCH_PROFILE_DIR it is profiled too, so a path's profile can be read beside its reference's.
const reference = await startReferenceServer(redisServer.url, referencePrefix, peerSecrets, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/reference`] : []);
const firstPng = decodeEntry(rendered[0] ?? Buffer.alloc(0))?.png;
if (!firstPng) throw new Error('no rendered entry to copy');
// Issue's and widget challenge's references both pop from this pool, and run faster than the API.
await seedReferences(redis, referencePrefix, rendered, firstPng, 2 * pooledCopies);

const fixtures = { redis, keys, referencePrefix, rendered, site: site.site, apiKey, tokenSecret, epoch, requestsPerScenario: perScenario };
const scenarios = hotPathScenarios(fixtures);

// Each path runs right after its reference: on a shared machine the speed drifts between minutes.
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const apiPid = api.child.pid ?? 0;
const referencePid = reference.child.pid ?? 0;
const rows: PathRow[] = [];
for (const { scenario: prepare, reference: prepareReference, referenceName, goal, redisGoalUs } of scenarios) {
  const scenario = await prepare();
  if (only && !only.some((part) => scenario.name.includes(part))) continue;
  await measure(base, scenario, { duration: 1, connections, distinctRequests: 25_000 }); // warm-up
  await measure(reference.url, await prepareReference(), { duration: 1, connections, distinctRequests: 25_000 }); // warm-up
  const pairs: { ours: Run; referenceRun: Run }[] = [];
  for (let round = 0; round < rounds; round++) {
    const referenceScenario = await prepareReference();
    const referenceRun = await withCpu(referencePid, redis, seconds, () => measure(reference.url, referenceScenario, { duration: seconds, connections, distinctRequests: perScenario }));
    const loaded = await prepare();
    const ours = await withCpu(apiPid, redis, seconds, () => measure(base, loaded, { duration: seconds, connections, distinctRequests: perScenario }));
    pairs.push({ ours, referenceRun });
    process.stderr.write(`${scenario.name}: ${ours.serverUs.toFixed(0)} µs CPU/req, reference ${referenceRun.serverUs.toFixed(0)} µs; ${ours.rps.toFixed(0)} req/s, reference ${referenceRun.rps.toFixed(0)} req/s\n`);
  }
  const fixed = await measure(base, await prepare(), { duration: seconds, connections: 20, overallRate: FIXED_RATE });
  rows.push({ name: scenario.name, reference: referenceName, goal, redisGoalUs, ...medianRound(pairs), fixed });
}

// ---- peers: our siteverify beside Cap's token validation and ALTCHA's solution verification
const peerRequests = perScenario;
const capScenario = async (count: number): Promise<Scenario> => {
  const next = cycle(await capTokens(redis, referencePrefix, count));
  return { name: 'cap', method: 'POST', path: '/peer/cap/siteverify', headers: { 'Content-Type': 'application/json' }, body: () => JSON.stringify({ response: next() }) };
};
const altchaScenario = async (count: number): Promise<Scenario> => {
  const next = cycle(await altchaPayloads(peerSecrets, count));
  return { name: 'altcha', method: 'POST', path: '/peer/altcha/verify', headers: { 'Content-Type': 'application/json' }, body: () => JSON.stringify({ payload: next() }) };
};
const siteverifyScenario = scenarios.at(-1);
if (!siteverifyScenario) throw new Error('no siteverify scenario');
/** Warms up on requests of its own, then runs on fresh ones: each one is single use. */
const peerRun = async (url: string, pid: number, prepare: (count: number) => Promise<Scenario>): Promise<Run> => {
  await measure(url, await prepare(25_000), { duration: 1, connections, distinctRequests: 25_000 }); // warm-up
  const scenario = await prepare(peerRequests);
  return withCpu(pid, redis, seconds, () => measure(url, scenario, { duration: seconds, connections, distinctRequests: peerRequests }));
};
const measurePeers = async (): Promise<PeerRow[]> => [
  {
    name: 'ours: POST /api/v2/captcha/siteverify',
    work: 'API key lookup, HMAC-verified token, single-use mark in Redis',
    run: await peerRun(base, apiPid, () => siteverifyScenario.scenario()),
  },
  { name: '@cap.js/server validateToken', work: 'SHA-256 of the token, GET + DEL of its key (Redis storage hooks)', run: await peerRun(reference.url, referencePid, capScenario) },
  { name: 'altcha-lib verifySolution', work: 'base64 + JSON decode, 2 HMAC-SHA-256, SET NX EX of the nonce', run: await peerRun(reference.url, referencePid, altchaScenario) },
];
// A partial run (BENCH_ONLY, say to profile one path) measures the peers only when it names "peers", and skips the memory phase.
const [oursPeer, ...peers] = !only || only.includes('peers') ? await measurePeers() : [];
await reference.stop();

// ---- memory per live captcha: issue through the API and watch used_memory
const measureBytesPerLive = async (): Promise<number> => {
  const liveCount = 20_000;
  const beforeIssue = await usedMemory();
  const issue = async (): Promise<void> => {
    const response = await fetch(`${base}/3.0/captcha`);
    // A failed issue stores nothing: counting it would understate the bytes per captcha.
    if (!response.ok) throw new Error(`issue answered ${String(response.status)}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  for (let i = 0; i < liveCount; i += 200) await Promise.all(Array.from({ length: 200 }, issue));
  return bytesPerPooled + ((await usedMemory()) - beforeIssue) / liveCount;
};
const bytesPerLive = only ? Number.NaN : await measureBytesPerLive();

await api.stop();
await redis.quit();
await redisServer.stop();

const render = await renderThroughput(seconds >= 3 ? 2000 : 200);

// ---- report
const fmt = (n: number, digits = 0): string => n.toFixed(digits);
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}; ${seconds} s per scenario, ${rounds} rounds of each path beside its reference, ${connections} connections, one API process, one reference process; load from ${loadGeneratorName()}.`,
  '',
  ...pathTable(rows),
  '',
  ...latencyTable(rows, FIXED_RATE),
  '',
  ...(oursPeer ? [...peerTable(oursPeer, peers), ''] : []),
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
writeFileSync(file, JSON.stringify({ seconds, rounds, connections, rows, peers: oursPeer ? [oursPeer, ...peers] : [], render, bytesPerPooled, bytesPerLive }, null, 2));
console.log(`\nJSON: ${file}`);
