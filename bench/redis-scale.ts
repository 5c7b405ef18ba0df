/**
 * `npm run bench:redis-scale`: what one captcha lifecycle (classic issue →
 * image → check with the right answer) costs Redis, through N API processes,
 * against one redis-server and against a 3-primary Redis Cluster with one
 * replica per primary. Per run: lifecycles/s; CPU per lifecycle of the API
 * processes, of Redis and of the load generator; Redis commands per lifecycle
 * by name; network bytes; and Redis memory per pooled and per issued captcha.
 *
 * Usage: npm run bench:redis-scale -- [seconds per run] [API process counts, e.g. 1,2] [connections per API process]
 * Writes tables to stdout and JSON to bench/results/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { decodeEntry } from '../shared/domain/captcha/captcha-entry.js';
import { loadConfig } from '../shared/runtime/config.js';
import { createRedisClient, type RedisClient } from '../shared/adapters/redis/client.js';
import { closeRedisConnection, type RedisConnection } from '../shared/adapters/redis/connection.js';
import { keyspace, type Keyspace } from '../shared/adapters/redis/keys.js';
import { pooledEntries, RedisPool } from '../shared/adapters/redis/redis-pool.js';
import { startRedisCluster } from '../tooling/redis-cluster.js';
import { startRedisServer } from '../tooling/redis-server.js';
import { spawnApi, spawnService, type ApiProcess } from '../tooling/service-processes.js';
import { waitFor } from '../tooling/wait-for.js';
import { machineBusySeconds, ownCpuSeconds } from './cpu-time.js';
import { measureFlow, type FlowStep } from './load-generator.js';
import { processCpuSeconds } from './process-cpu.js';
import { redisDelta, statsOf, sum, usedMemory } from './redis-node-stats.js';

const seconds = Number(process.argv[2] ?? 10);
const apiCounts = (process.argv[3] ?? '1,2').split(',').map(Number);
const connectionsPerApi = Number(process.argv[4] ?? 16);
if (apiCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('API process counts are positive integers, e.g. 1,2');
const warmUpSeconds = seconds >= 5 ? 2 : 1;
/** Captchas a real worker renders before each topology's runs: the pool is then filled with copies of them. */
const rendered = seconds >= 5 ? 2000 : 400;
/** The default, as a deployment runs it: 16 slots, 6/5/5 over 3 primaries. */
const SHARDS = loadConfig({}).poolShards;
/** Well above what this machine issues per second, so that no run finds the pool empty. */
const POOL_PER_SECOND = 10_000;
const ISSUED_FOR_MEMORY = seconds >= 5 ? 2000 : 200;
/**
 * BENCH_RATE_LIMITS=on turns the per-client limits on at thresholds never
 * reached, to count what they add. All load comes from one address, so on a
 * Cluster its counters sit in one slot, unlike a deployment's many clients.
 */
const rateLimits = process.env.BENCH_RATE_LIMITS === 'on';
const NEVER_REACHED = '1000000';

// ---- the two topologies
interface Topology {
  readonly name: string;
  readonly env: Record<string, string>;
  /** Direct connections to each node, for INFO. */
  readonly primaries: readonly Redis[];
  readonly replicas: readonly Redis[];
  stop(): Promise<void>;
}

async function oneNode(): Promise<Topology> {
  const server = await startRedisServer();
  const node = new Redis(server.url);
  return {
    name: '1 node',
    env: { REDIS_URL: server.url },
    primaries: [node],
    replicas: [],
    stop: async () => {
      node.disconnect();
      await server.stop();
    },
  };
}

async function threePrimaryCluster(): Promise<Topology> {
  const cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
  const { primaries, replicaOf } = await cluster.topology();
  return {
    name: 'Cluster, 3 primaries + 3 replicas',
    env: { REDIS_CLUSTER_NODES: cluster.nodes },
    primaries: primaries.map((port) => cluster.node(port)),
    replicas: [...replicaOf.keys()].map((port) => cluster.node(port)),
    stop: () => cluster.stop(),
  };
}

// ---- the lifecycle, as a person goes through it
interface Tally {
  solved: number;
  failedChecks: number;
  unrecognisedImages: number;
}

/**
 * Issue, fetch the image, check the right answer. The load generator knows
 * the answer as a person would, from the image: the pool holds copies of
 * renders whose PNGs all differ in length, so the image's Content-Length
 * names its answer without another look into Redis.
 */
function lifecycle(answerByPngLength: ReadonlyMap<number, string>, tally: Tally): FlowStep[] {
  return [
    {
      path: () => '/3.0/captcha',
      onResponse: (status, body, context) => {
        if (status === 200) context.id = (JSON.parse(body) as { response: { captchaResponse: { imageHash: string } } }).response.captchaResponse.imageHash;
      },
    },
    {
      path: (context) => (context.id ? `/3.0/captcha/getImage/${context.id}` : undefined),
      onResponse: (status, _body, context, headers) => {
        const answer = answerByPngLength.get(Number(headers['content-length']));
        if (status === 200 && answer) context.answer = answer;
        else tally.unrecognisedImages++;
      },
    },
    {
      path: (context) => (context.id && context.answer ? `/3.0/captcha/testCaptcha/hash/${context.id}/response/${context.answer}` : undefined),
      onResponse: (status, body) => {
        const verdict = status === 200 ? (JSON.parse(body) as { response?: { testCaptchaResponse?: string } }).response?.testCaptchaResponse : undefined;
        if (verdict === '1') tally.solved++;
        else tally.failedChecks++;
      },
    },
  ];
}

// ---- the pool: real renders, then copies of the recognisable ones
async function poolDepths(redis: RedisConnection, keys: Keyspace): Promise<number[]> {
  return Promise.all(Array.from({ length: SHARDS }, (_, shard) => redis.llen(keys.poolShard(shard))));
}

/** One render of each PNG length, with its answer; the pool is emptied, to be filled with copies of these alone. */
async function recognisableRenders(redis: RedisConnection, keys: Keyspace): Promise<{ entries: Buffer[]; answerByPngLength: Map<number, string> }> {
  const byLength = new Map<number, Buffer[]>();
  for (let shard = 0; shard < SHARDS; shard++) {
    for (const entry of await pooledEntries(redis, keys, shard)) {
      const length = decodeEntry(entry)?.png.length;
      if (length !== undefined) byLength.set(length, [...(byLength.get(length) ?? []), entry]);
    }
    // Pooled captchas have no time to live: delete them with their list.
    const ids = await redis.lrange(keys.poolShard(shard), 0, -1);
    await Promise.all(ids.map((id) => redis.del(keys.captcha(id))));
    await redis.del(keys.poolShard(shard));
  }
  const entries = [...byLength.values()].flatMap((same) => same.slice(0, 1));
  const answerByPngLength = new Map(entries.map((entry) => {
    const decoded = decodeEntry(entry);
    return [decoded?.png.length ?? 0, decoded?.answer ?? ''] as const;
  }));
  return { entries, answerByPngLength };
}

/** Pushes copies of `entries` until every shard holds `perShard`; returns how many it pushed. */
async function topUpPool(redis: RedisClient, keys: Keyspace, entries: readonly Buffer[], perShard: number): Promise<number> {
  const pool = new RedisPool(redis, keys);
  const depths = await poolDepths(redis, keys);
  let pushed = 0;
  await Promise.all(
    depths.map(async (depth, shard) => {
      for (let missing = perShard - depth; missing > 0; missing -= 500) {
        const batch = Array.from({ length: Math.min(500, missing) }, (_, i) => entries[(pushed + i) % entries.length] ?? Buffer.alloc(0));
        pushed += batch.length;
        await pool.push(shard, batch);
      }
    }),
  );
  return pushed;
}

// ---- one topology: refill cost, memory, then the runs
interface Run {
  readonly topology: string;
  readonly apiProcesses: number;
  readonly connections: number;
  readonly seconds: number;
  readonly lifecycles: number;
  readonly lifecyclesPerSecond: number;
  readonly failedChecks: number;
  readonly unrecognisedImages: number;
  readonly httpErrors: number;
  /** CPU microseconds per lifecycle. */
  readonly cpuUs: {
    api: number;
    redisPrimaries: number;
    busiestPrimary: number;
    /** The same, less what the nodes use idle over as long: what a lifecycle adds. */
    redisPrimariesLessIdle: number;
    busiestPrimaryLessIdle: number;
    redisReplicas: number;
    loadGenerator: number;
  };
  /** Cores busy on average during the run: CPU seconds per second. */
  readonly cores: { api: number; redis: number; loadGenerator: number; machine: number; others: number };
  readonly commandsPerLifecycle: number;
  readonly commands: Record<string, number>;
  readonly busiestPrimaryShare: number;
  readonly netBytesPerLifecycle: { toRedis: number; fromRedis: number; replication: number };
}

interface TopologyReport {
  readonly name: string;
  readonly runs: Run[];
  /** Per rendered captcha, while a worker fills the pool and nothing else runs. */
  readonly refill: { captchas: number; commandsPerCaptcha: number; commands: Record<string, number>; redisCpuUs: number; netBytesToRedis: number };
  readonly memory: { pooledByUsedMemory: number; pooledByMemoryUsage: number; issuedByMemoryUsage: number; issuedByUsedMemory: number };
  readonly recognisableRenders: number;
  /** CPU milliseconds per second the nodes use with no traffic, summed over primaries and over replicas. */
  readonly idleCpuMsPerSecond: { primaries: number; replicas: number };
}

const perUnit = (record: Record<string, number>, units: number): Record<string, number> =>
  Object.fromEntries(Object.entries(record).sort(([, a], [, b]) => b - a).map(([name, count]) => [name, count / units]));

/** What a worker's refills cost Redis per captcha: from its first push to a full pool, with nothing else running. */
async function measureRefill(redis: RedisConnection, keys: Keyspace, env: Record<string, string>, primaries: readonly Redis[]): Promise<TopologyReport['refill']> {
  const worker = spawnService('worker', { ...env, POOL_TARGET_SIZE: String(rendered), POOL_LOW_WATERMARK: String(rendered / 2) });
  let probes = 0;
  const depth = async (): Promise<number> => {
    probes += SHARDS;
    return sum(await poolDepths(redis, keys));
  };
  await waitFor(async () => (await depth()) > 0, 60_000, 'the worker to push its first captchas');
  const [depthBefore, before] = [await depth(), await statsOf(primaries)];
  probes = 0;
  await waitFor(async () => (await depth()) >= rendered, 120_000, 'the worker to fill the pool');
  const after = await statsOf(primaries);
  // Our own LLEN probes between the two readings are not refill traffic.
  const delta = redisDelta(before, after, { llen: probes });
  const captchas = (await depth()) - depthBefore;
  await worker.stop();
  return {
    captchas,
    commandsPerCaptcha: sum(Object.values(delta.calls)) / captchas,
    commands: perUnit(delta.calls, captchas),
    redisCpuUs: (sum(delta.cpuPerNode) * 1e6) / captchas,
    netBytesToRedis: delta.netIn / captchas,
  };
}

/**
 * CPU seconds per second each node uses with no client traffic (its own
 * timers, the Cluster bus, replication pings): a cost per second, not per
 * lifecycle, which the runs take off to give the cost a lifecycle adds.
 */
async function idleCpuPerSecond(nodes: readonly Redis[]): Promise<number[]> {
  const [before, started] = [await statsOf(nodes), performance.now()];
  await new Promise((resolve) => setTimeout(resolve, warmUpSeconds * 1500));
  const after = await statsOf(nodes);
  const wall = (performance.now() - started) / 1000;
  return after.map((node, i) => (node.cpu - (before[i]?.cpu ?? node.cpu)) / wall);
}

/** One measured run of whole lifecycles through the first `count` API processes, after a warm-up. */
async function measureRun(topology: Topology, apis: readonly ApiProcess[], answerByPngLength: ReadonlyMap<number, string>, idle: readonly number[]): Promise<Run> {
  const bases = apis.map((api) => api.url);
  const connections = connectionsPerApi * apis.length;
  const tally: Tally = { solved: 0, failedChecks: 0, unrecognisedImages: 0 };
  await measureFlow(bases, lifecycle(answerByPngLength, tally), { duration: warmUpSeconds, connections });
  Object.assign(tally, { solved: 0, failedChecks: 0, unrecognisedImages: 0 });

  const nodes = [...topology.primaries, ...topology.replicas];
  const apiCpu = (): number => sum(apis.map((api) => processCpuSeconds(api.child.pid ?? -1)));
  const before = { redis: await statsOf(nodes), api: apiCpu(), own: ownCpuSeconds(), machine: machineBusySeconds(), at: performance.now() };
  const measured = await measureFlow(bases, lifecycle(answerByPngLength, tally), { duration: seconds, connections });
  const after = { api: apiCpu(), own: ownCpuSeconds(), machine: machineBusySeconds(), at: performance.now(), redis: await statsOf(nodes) };

  const wall = (after.at - before.at) / 1000;
  const split = topology.primaries.length;
  const primaries = redisDelta(before.redis.slice(0, split), after.redis.slice(0, split));
  const replicas = redisDelta(before.redis.slice(split), after.redis.slice(split));
  const lifecycles = tally.solved;
  const us = (cpuSeconds: number): number => (cpuSeconds * 1e6) / lifecycles;
  const primaryCpuLessIdle = primaries.cpuPerNode.map((cpu, i) => Math.max(0, cpu - (idle[i] ?? 0) * wall));
  const cpu = {
    api: after.api - before.api,
    redis: sum(primaries.cpuPerNode) + sum(replicas.cpuPerNode),
    own: after.own - before.own,
    machine: after.machine - before.machine,
  };
  const commands = sum(Object.values(primaries.calls));
  return {
    topology: topology.name,
    apiProcesses: apis.length,
    connections,
    seconds: wall,
    lifecycles,
    lifecyclesPerSecond: lifecycles / wall,
    failedChecks: tally.failedChecks,
    unrecognisedImages: tally.unrecognisedImages,
    httpErrors: measured.errors,
    cpuUs: {
      api: us(cpu.api),
      redisPrimaries: us(sum(primaries.cpuPerNode)),
      busiestPrimary: us(Math.max(...primaries.cpuPerNode)),
      redisPrimariesLessIdle: us(sum(primaryCpuLessIdle)),
      busiestPrimaryLessIdle: us(Math.max(...primaryCpuLessIdle)),
      redisReplicas: us(sum(replicas.cpuPerNode)),
      loadGenerator: us(cpu.own),
    },
    cores: {
      api: cpu.api / wall,
      redis: cpu.redis / wall,
      loadGenerator: cpu.own / wall,
      machine: cpu.machine / wall,
      others: Math.max(0, cpu.machine - cpu.api - cpu.redis - cpu.own) / wall,
    },
    commandsPerLifecycle: commands / lifecycles,
    commands: perUnit(primaries.calls, lifecycles),
    busiestPrimaryShare: Math.max(...primaries.callsPerNode) / commands,
    netBytesPerLifecycle: { toRedis: primaries.netIn / lifecycles, fromRedis: primaries.netOutToClients / lifecycles, replication: primaries.replicationOut / lifecycles },
  };
}

/** Memory per issued captcha: issue some through the API, leave them live, and weigh them. */
async function measureIssuedMemory(redis: RedisConnection, keys: Keyspace, api: ApiProcess, primaries: readonly Redis[]): Promise<{ byUsedMemory: number; byMemoryUsage: number }> {
  const before = await usedMemory(primaries);
  const ids: string[] = [];
  for (let i = 0; i < ISSUED_FOR_MEMORY; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const reply = await fetch(`${api.url}/3.0/captcha`);
        if (!reply.ok) throw new Error(`issue for the memory weighing: ${reply.status} ${await reply.text()}`);
        return (await reply.json()) as { response: { captchaResponse: { imageHash: string } } };
      }),
    );
    ids.push(...batch.map((b) => b.response.captchaResponse.imageHash));
  }
  const byUsedMemory = ((await usedMemory(primaries)) - before) / ids.length;
  const sample = ids.slice(0, 200);
  const bytes = await Promise.all(sample.map((id) => redis.call('MEMORY', 'USAGE', keys.captcha(id), 'SAMPLES', '0') as Promise<number>));
  return { byUsedMemory, byMemoryUsage: sum(bytes) / sample.length };
}

async function measureTopology(topology: Topology): Promise<TopologyReport> {
  const prefix = `scale${randomBytes(3).toString('hex')}`;
  const keys = keyspace(prefix);
  const env = { ...topology.env, KEY_PREFIX: prefix, TOKEN_SECRET: randomBytes(32).toString('hex'), POOL_SHARDS: String(SHARDS), LOG_LEVEL: 'warn' };
  const redis = createRedisClient(loadConfig(env), { failFast: false });
  const apis: ApiProcess[] = [];
  try {
    const idle = await idleCpuPerSecond([...topology.primaries, ...topology.replicas]);
    const refill = await measureRefill(redis, keys, env, topology.primaries);
    const { entries, answerByPngLength } = await recognisableRenders(redis, keys);
    if (entries.length < 20) throw new Error(`only ${entries.length} distinct PNG lengths among the renders`);

    // Memory per pooled captcha: the first fill, over used_memory and over MEMORY USAGE of the id lists
    // plus a sample of the captcha keys they name.
    const perShard = Math.ceil(((seconds + warmUpSeconds) * POOL_PER_SECOND) / SHARDS);
    const memoryBeforePool = await usedMemory(topology.primaries);
    const pooled = await topUpPool(redis, keys, entries, perShard);
    const pooledByUsedMemory = ((await usedMemory(topology.primaries)) - memoryBeforePool) / pooled;
    const memoryUsage = (key: string): Promise<number> => redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0') as Promise<number>;
    const listBytes = await Promise.all(Array.from({ length: SHARDS }, (_, s) => memoryUsage(keys.poolShard(s))));
    const sampleIds = await redis.lrange(keys.poolShard(0), 0, 199);
    const entryBytes = sum(await Promise.all(sampleIds.map((id) => memoryUsage(keys.captcha(id))))) / Math.max(1, sampleIds.length);
    const pooledByMemoryUsage = sum(listBytes) / sum(await poolDepths(redis, keys)) + entryBytes;

    // API processes: rate limits off (the process helper's default) unless asked for; refills never requested (low watermark: one per shard).
    const apiEnv = {
      ...env,
      POOL_TARGET_SIZE: '1000000',
      POOL_LOW_WATERMARK: String(SHARDS),
      ...(rateLimits
        ? { RATE_LIMIT_ISSUE_PER_MINUTE: NEVER_REACHED, RATE_LIMIT_SOLVE_PER_MINUTE: NEVER_REACHED, RATE_LIMIT_LIVE_CAPTCHAS_PER_CLIENT: NEVER_REACHED }
        : {}),
    };
    const runs: Run[] = [];
    for (const count of apiCounts) {
      // One after the other: Node processes starting at once on a busy 2-core machine can take long.
      while (apis.length < count) apis.push(await spawnApi(apiEnv));
      await topUpPool(redis, keys, entries, perShard);
      const run = await measureRun(topology, apis.slice(0, count), answerByPngLength, idle);
      runs.push(run);
      process.stderr.write(`${topology.name}, ${count} API: ${run.lifecyclesPerSecond.toFixed(0)} lifecycles/s\n`);
    }
    const [firstApi] = apis;
    if (!firstApi) throw new Error('no API process ran');
    // The runs may have drained the pool: issuing for the weighing must not meet an empty one.
    await topUpPool(redis, keys, entries, perShard);
    const issued = await measureIssuedMemory(redis, keys, firstApi, topology.primaries);
    return {
      name: topology.name,
      runs,
      refill,
      memory: { pooledByUsedMemory, pooledByMemoryUsage, issuedByUsedMemory: pooledByUsedMemory + issued.byUsedMemory, issuedByMemoryUsage: issued.byMemoryUsage },
      recognisableRenders: entries.length,
      idleCpuMsPerSecond: { primaries: sum(idle.slice(0, topology.primaries.length)) * 1000, replicas: sum(idle.slice(topology.primaries.length)) * 1000 },
    };
  } finally {
    await Promise.all(apis.map((api) => api.stop()));
    await closeRedisConnection(redis);
  }
}

// ---- run both, then report
const loadBefore = loadavg()[0] ?? 0;
const reports: TopologyReport[] = [];
for (const start of [oneNode, threePrimaryCluster]) {
  const topology = await start();
  try {
    reports.push(await measureTopology(topology));
  } finally {
    await topology.stop();
  }
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits);
const runs = reports.flatMap((r) => r.runs);
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}; ${seconds} s per run after ${warmUpSeconds} s of warm-up, ${connectionsPerApi} connections per API process, pool of ${SHARDS} shards; rate limits ${rateLimits ? 'on (thresholds never reached)' : 'off'}; load from autocannon in the benchmark's own process; 1-minute load average before the run: ${fmt(loadBefore, 2)}.`,
  '',
  '| Redis | API processes | lifecycles/s | API CPU µs/lifecycle | Redis CPU µs/lifecycle, primaries (less idle) | busiest primary (less idle) | replicas | load generator | cores busy: API / Redis / load gen. / others | commands/lifecycle | busiest primary share | lifecycles/s at one core on the busiest primary (less idle) | bytes to / from Redis | failed |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...runs.map(
    (r) =>
      `| ${r.topology} | ${r.apiProcesses} | ${fmt(r.lifecyclesPerSecond)} | ${fmt(r.cpuUs.api)} | ${fmt(r.cpuUs.redisPrimaries)} (${fmt(r.cpuUs.redisPrimariesLessIdle)}) | ${fmt(r.cpuUs.busiestPrimary)} (${fmt(r.cpuUs.busiestPrimaryLessIdle)}) | ${fmt(r.cpuUs.redisReplicas)} | ${fmt(r.cpuUs.loadGenerator)} | ${fmt(r.cores.api, 2)} / ${fmt(r.cores.redis, 2)} / ${fmt(r.cores.loadGenerator, 2)} / ${fmt(r.cores.others, 2)} | ${fmt(r.commandsPerLifecycle, 2)} | ${fmt(r.busiestPrimaryShare * 100)}% | ${fmt(1e6 / r.cpuUs.busiestPrimaryLessIdle)} | ${fmt(r.netBytesPerLifecycle.toRedis)} / ${fmt(r.netBytesPerLifecycle.fromRedis)} | ${r.failedChecks + r.unrecognisedImages + r.httpErrors} |`,
  ),
  '',
  '| Redis | commands per lifecycle, by name (a script is its EVALSHA plus the commands it runs) | per rendered captcha, refill (worker alone) | Redis CPU µs per rendered captcha |',
  '| --- | --- | --- | --- |',
  ...reports.map((report) => {
    const calls: Record<string, number> = {};
    for (const run of report.runs) for (const [name, n] of Object.entries(run.commands)) calls[name] = (calls[name] ?? 0) + n * run.lifecycles;
    const lifecycles = sum(report.runs.map((r) => r.lifecycles));
    const named = (record: Record<string, number>) => Object.entries(record).map(([name, n]) => `${name} ${fmt(n, 2)}`).join(', ');
    return `| ${report.name} | ${fmt(sum(Object.values(calls)) / lifecycles, 2)}: ${named(perUnit(calls, lifecycles))} | ${fmt(report.refill.commandsPerCaptcha, 2)}: ${named(report.refill.commands)} | ${fmt(report.refill.redisCpuUs)} |`;
  }),
  '',
  '| Redis | bytes per pooled captcha (used_memory / MEMORY USAGE) | bytes per issued captcha (used_memory / MEMORY USAGE) | distinct images in the pool (one per PNG length) | idle CPU ms/s, primaries / replicas |',
  '| --- | --- | --- | --- | --- |',
  ...reports.map(
    (r) => `| ${r.name} | ${fmt(r.memory.pooledByUsedMemory)} / ${fmt(r.memory.pooledByMemoryUsage)} | ${fmt(r.memory.issuedByUsedMemory)} / ${fmt(r.memory.issuedByMemoryUsage)} | ${r.recognisableRenders} | ${fmt(r.idleCpuMsPerSecond.primaries, 1)} / ${fmt(r.idleCpuMsPerSecond.replicas, 1)} |`,
  ),
];
console.log(lines.join('\n'));
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/redis-scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ seconds, warmUpSeconds, connectionsPerApi, shards: SHARDS, rateLimits, loadBefore, topologies: reports }, null, 2));
console.log(`\nJSON: ${file}`);
