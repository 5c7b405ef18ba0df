import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const PYTHON = '/usr/bin/python3';

describe('learned-attack benchmark smoke run', () => {
  it('npm run bench:learned trains on every level and reports transfer to another level and style', () => {
    // A missing trainer is a broken benchmark, not a reason to skip it.
    const torch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    if (torch.status !== 0) {
      throw new Error(`bench:learned needs PyTorch for ${PYTHON}: apt-get install python3-torch (.ci/run does)\n${torch.stderr || String(torch.error)}`);
    }

    const result = spawnSync(process.execPath, ['dist/bench/learned.js', '--budget', 'smoke', '--style-secret', 'smoke-test'], {
      encoding: 'utf8',
      timeout: 170_000,
    });
    if (result.status !== 0) throw new Error(`dist/bench/learned.js failed (${String(result.status)}):\n${result.stderr.slice(-2000)}`);
    const out = result.stdout;
    for (const level of ['easy', 'normal', 'hard']) {
      expect(out).toMatch(new RegExp(`\\| ${level} \\| \\d+ \\| \\d+\\.\\d% \\| \\d+\\.\\d% \\| \\d+\\.\\d \\| \\d+ \\(\\d+\\) \\|`));
    }
    expect(out).toMatch(/\| normal \| \d+ \| hard \| \d+\.\d% \| \d+\.\d% \|/);
    // Public default style to a deployment's style.
    expect(out).toMatch(/\| normal \| \d+ \| normal, style 1 \([a-z]+; [^|]+\) \| \d+\.\d% \| \d+\.\d% \|/);

    const json = JSON.parse(readFileSync('bench/results/learned.json', 'utf8')) as { curves: { level: string }[]; transfer: unknown[] };
    expect(json.curves.map((c) => c.level).sort()).toEqual(['easy', 'hard', 'normal']);
    expect(json.transfer.length).toBeGreaterThan(0);
  });
});
