import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('audio benchmark smoke run', () => {
  it('npm run bench:audio reports the cost and both attacks, with and without noise', () => {
    // A missing recogniser is a broken benchmark, not a reason to skip it.
    const sphinx = spawnSync('pocketsphinx_batch', [], { encoding: 'utf8' });
    if (sphinx.error) throw new Error(`bench:audio needs pocketsphinx: apt-get install pocketsphinx pocketsphinx-en-us sox (.ci/run does)\n${String(sphinx.error)}`);

    const result = spawnSync(process.execPath, ['dist/bench/audio-hardness.js', '4'], { encoding: 'utf8', timeout: 170_000 });
    if (result.status !== 0) throw new Error(`dist/bench/audio-hardness.js failed (${String(result.status)}):\n${result.stderr.slice(-2000)}`);
    const out = result.stdout;
    expect(out).toMatch(/Audio captcha cost \(300 clips of 6 characters, one core\): \d+\.\d\d ms of CPU/);
    for (const set of ['this project, audio \\(default\\)', 'the same without noise \\(reference\\)']) {
      expect(out).toMatch(new RegExp(`\\| ${set} \\| pocketsphinx, alphabet grammar \\(best of 4\\) \\| \\d+\\.\\d% \\| \\d+\\.\\d% \\|`));
      expect(out).toMatch(new RegExp(`\\| ${set} \\| our clips as templates \\(best of 8\\) \\| \\d+\\.\\d% \\| \\d+\\.\\d% \\|`));
    }
    const json = JSON.parse(readFileSync('bench/results/audio-hardness.json', 'utf8')) as { cost: { bytesMax: number }; results: unknown[] };
    expect(json.cost.bytesMax).toBeLessThan(40_000);
    expect(json.results).toHaveLength(4);
  });
});
