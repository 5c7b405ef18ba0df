import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The benchmark scripts are not part of the tests, but a tiny run of each proves they still work. */
function runBuilt(script: string, args: string[]): string {
  const result = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 290_000 });
  if (result.status !== 0) throw new Error(`${script} failed (${String(result.status)}):\n${result.stderr.slice(-2000)}`);
  return result.stdout;
}

describe('benchmark smoke runs', () => {
  it('npm run bench measures every scenario against the ceiling', () => {
    const out = runBuilt('dist/bench/bench.js', ['1', '10']);
    for (const row of ['ceiling: GET /healthz', 'classic issue', 'image', 'classic check', 'widget challenge', 'widget solve', 'siteverify', 'svg-captcha', 'per live (issued) captcha']) {
      expect(out).toContain(row);
    }
    expect(out).toMatch(/\| classic check \(right answer, consumes\) \| \d+ \|/);
    // Every request of every scenario succeeded: a bench that measures error answers measures the wrong path.
    const rows = out.split('\n').filter((line) => /^\| (ceiling|classic|image|widget|siteverify)/.test(line));
    expect(rows.length).toBeGreaterThanOrEqual(7);
    for (const row of rows) expect(row, row).toMatch(/\| 0 \|$/);
  });

  it('npm run bench:hardness attacks every difficulty level and svg-captcha', () => {
    const out = runBuilt('dist/bench/hardness.js', ['8']);
    for (const set of ['this project, easy', 'this project, normal', 'this project, hard', 'svg-captcha']) expect(out).toContain(set);
    expect(out).toMatch(/segmentation \+ template \| \d+\.\d%/);
  });

  it('npm run soak runs a short soak without errors', () => {
    const out = runBuilt('dist/bench/soak.js', ['3', '100']);
    expect(out).toMatch(/\| \d+ \| \d+ \| \d+ \| 0 \| 0\.000% \|/);
  });
});
