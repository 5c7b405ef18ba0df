/**
 * The functions with the most self time in a V8 CPU profile (what
 * `BENCH_PROFILE_DIR=<dir> npm run bench` writes for the API process), as a
 * markdown table: where a hot path's CPU goes, without opening DevTools.
 *
 * Usage: node dist/bench/profile-top.js <file.cpuprofile> [how many, default 25]
 *        node dist/bench/profile-top.js --areas <file.cpuprofile> [µs CPU per request]
 * The second form sums self time by area (socket writes, GC, Koa, ioredis,
 * our code…), leaving out startup's module loading, and with the measured CPU
 * per request spreads it over the areas: read a path's and its reference's
 * side by side to see where the difference goes.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time per function (name and place), in µs, most first; idle and GC included, as V8 names them. */
export function selfTimes(profile: Profile): { name: string; where: string; us: number }[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, { name: string; where: string; us: number }>();
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    // A sample's time is the gap to the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    const where = frame.url === '' ? '' : `${frame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${String(frame.lineNumber + 1)}`;
    const key = `${frame.functionName}@${where}`;
    const total = totals.get(key) ?? { name: frame.functionName || '(anonymous)', where, us: 0 };
    total.us += us;
    totals.set(key, total);
  });
  return [...totals.values()].sort((a, b) => b.us - a.us);
}

/** Where a function belongs, by its name and place; order matters (first match wins). */
const AREAS: readonly [string, (name: string, where: string) => boolean][] = [
  ['startup: module loading', (name, where) => /^node:internal\/(modules|deps\/cjs-module-lexer)/.test(where) || ['wrapSafe', 'compileSourceTextModule', 'openFileHandle', 'readFileUtf8', 'internalModuleStat'].includes(name)],
  ['socket write: HTTP response (writev)', (name) => name === 'writev'],
  ['socket write: Redis command (writeUtf8String, writeBuffer)', (name) => name === 'writeUtf8String' || name === 'writeBuffer'],
  ['garbage collector', (name) => name === '(garbage collector)'],
  ['our code (shared/, services/, bench/)', (_, where) => /^dist\//.test(where)],
  ['ioredis and its parser', (_, where) => /node_modules\/(ioredis|redis-parser|redis-errors|denque|cluster-key-slot|standard-as-callback)\//.test(where)],
  ['prom-client (metrics)', (_, where) => where.includes('node_modules/prom-client/')],
  ['pino (logging)', (_, where) => /node_modules\/(pino|sonic-boom|thread-stream)/.test(where)],
  ['Koa, router, body parser and their helpers', (_, where) => /^node_modules\//.test(where)],
  ['crypto', (name, where) => where.startsWith('node:internal/crypto') || ['Hmac', 'Hash', 'randomFillSync', 'digest', 'update', 'timingSafeEqual'].includes(name)],
  ['Node HTTP, streams and events', (_, where) => /^node:/.test(where)],
  ['other native and V8 (runMicrotasks, (program)…)', () => true],
];

export function byArea(times: readonly { name: string; where: string; us: number }[]): Map<string, number> {
  const areas = new Map<string, number>(AREAS.map(([area]) => [area, 0]));
  for (const t of times) {
    if (t.name === '(idle)') continue;
    const area = AREAS.find(([, matches]) => matches(t.name, t.where))?.[0] ?? 'other';
    areas.set(area, (areas.get(area) ?? 0) + t.us);
  }
  return areas;
}

// Run as a script, not when imported.
const args = import.meta.url === pathToFileURL(process.argv[1] ?? '').href ? process.argv.slice(2) : [];
if (args[0] === '--areas' && args[1]) {
  const areas = byArea(selfTimes(JSON.parse(readFileSync(args[1], 'utf8')) as Profile));
  const startup = AREAS[0]?.[0] ?? '';
  const served = [...areas].filter(([area]) => area !== startup).reduce((sum, [, us]) => sum + us, 0);
  const perRequest = Number(args[2]);
  console.log(`| area | self ms | share (startup left out) |${Number.isFinite(perRequest) ? ' µs per request |' : ''}`);
  console.log(`| --- | --- | --- |${Number.isFinite(perRequest) ? ' --- |' : ''}`);
  for (const [area, us] of areas) {
    const share = area === startup ? Number.NaN : us / served;
    console.log(`| ${area} | ${(us / 1000).toFixed(0)} | ${Number.isFinite(share) ? `${(100 * share).toFixed(1)}%` : '—'} |${Number.isFinite(perRequest) ? ` ${Number.isFinite(share) ? (share * perRequest).toFixed(1) : '—'} |` : ''}`);
  }
}
const [file, count = '25'] = args[0] === '--areas' ? [] : args;
if (file) {
  const times = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const busy = times.filter((t) => t.name !== '(idle)').reduce((sum, t) => sum + t.us, 0);
  console.log(`busy (not idle): ${(busy / 1e6).toFixed(2)} s\n`);
  console.log('| function | where | self ms | % of busy |\n| --- | --- | --- | --- |');
  for (const t of times.filter((t) => t.name !== '(idle)').slice(0, Number(count))) {
    console.log(`| ${t.name} | ${t.where} | ${(t.us / 1000).toFixed(0)} | ${((100 * t.us) / busy).toFixed(1)}% |`);
  }
}
