import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** A tiny run of npm run bench:pow (built): both tables come out, with numbers in them. */
describe('proof-of-work benchmark smoke run', () => {
  it('checks puzzles on the server and solves a few in headless Chromium', () => {
    const result = spawnSync(process.execPath, ['dist/bench/pow.js', '--checks', '256', '--solves', '2', '--work', '2000'], { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`bench:pow failed (${String(result.status)}):\n${result.stderr.slice(-2000)}`);
    expect(result.stdout).toMatch(/\| check a solved puzzle \(signature, expiry, solution\) \| \d+ \| \d+ \| \d+ \|/);
    expect(result.stdout).toMatch(/\| 2000 \| 2 \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \|/);
  });
});
