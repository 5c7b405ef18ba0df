import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** A tiny run of npm run bench:instructions (built), on two paths: both servers run under callgrind and every window is counted. */
describe('instruction-count benchmark smoke run', () => {
  it('counts instructions per request of a path and of its reference, in every window, with no failed request', () => {
    const result = spawnSync(process.execPath, ['dist/bench/instructions.js', '150', '2'], {
      encoding: 'utf8',
      timeout: 290_000,
      env: { ...process.env, BENCH_ONLY: 'healthz,classic check', BENCH_WARMUP: '150' },
    });
    if (result.status !== 0) throw new Error(`bench:instructions failed (${String(result.status)}):\n${result.stderr.slice(-2000)}`);
    const rows = result.stdout
      .split('\n')
      .filter((line) => /^\| (healthz|classic check)/.test(line))
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
    expect(rows.map((row) => row[0])).toEqual(['healthz: GET /healthz', 'classic check (right answer, consumes)']);
    for (const [name, , ours, reference, ratio, oursWindows, referenceWindows, , , errors] of rows) {
      // A Koa request is tens of thousands of instructions at the least: a tiny count means a window measured nothing.
      for (const figure of [ours, reference]) expect(Number(figure), `${String(name)}: ${String(figure)}k`).toBeGreaterThan(20);
      expect(Number(ratio), `${String(name)}'s ratio`).toBeCloseTo(Number(ours) / Number(reference), 1);
      expect(oursWindows?.split(', '), `${String(name)}'s windows`).toHaveLength(2);
      expect(referenceWindows?.split(', '), `${String(name)}'s reference windows`).toHaveLength(2);
      expect(errors, `${String(name)}'s errors`).toBe('0');
    }
  });
});
