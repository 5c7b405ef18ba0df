/**
 * The functions with the most self time in a V8 CPU profile (what
 * `BENCH_PROFILE_DIR=<dir> npm run bench` writes for the API process), as a
 * markdown table: where a hot path's CPU goes, without opening DevTools.
 *
 * Usage: node dist/bench/profile-top.js <file.cpuprofile> [how many, default 25]
 */
import { readFileSync } from 'node:fs';

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

const [file, count = '25'] = process.argv.slice(2);
if (file) {
  const times = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const busy = times.filter((t) => t.name !== '(idle)').reduce((sum, t) => sum + t.us, 0);
  console.log(`busy (not idle): ${(busy / 1e6).toFixed(2)} s\n`);
  console.log('| function | where | self ms | % of busy |\n| --- | --- | --- | --- |');
  for (const t of times.filter((t) => t.name !== '(idle)').slice(0, Number(count))) {
    console.log(`| ${t.name} | ${t.where} | ${(t.us / 1000).toFixed(0)} | ${((100 * t.us) / busy).toFixed(1)}% |`);
  }
}
