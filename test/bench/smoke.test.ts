import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The benchmark scripts are not part of the tests, but a tiny run of each proves they still work. */
function runBuilt(script: string, args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 290_000, env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${script} failed (${String(result.status)}):\n${result.stderr.slice(-2000)}`);
  return result.stdout;
}

/** The body rows of the markdown table whose header starts with `header`, as trimmed cells. */
function tableAfter(out: string, header: string): string[][] {
  const lines = out.split('\n');
  const at = lines.findIndex((line) => line.startsWith(header));
  expect(at, `a table headed ${header}`).toBeGreaterThanOrEqual(0);
  const body: string[][] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith('|')) break;
    body.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return body;
}

describe('benchmark smoke runs', () => {
  it('npm run bench measures every path beside its reference, and siteverify beside its peers', () => {
    const out = runBuilt('dist/bench/bench.js', ['1', '10'], { BENCH_ROUNDS: '2' });
    const paths = ['healthz', 'classic issue', 'image', 'classic check', 'widget challenge', 'widget solve', 'siteverify'];

    const sideBySide = tableAfter(out, '| path | reference | ours µs CPU/req |');
    expect(sideBySide.map((row) => row[0]?.split(':')[0]?.split(' (')[0])).toEqual(paths);
    for (const [name, reference, ours, referenceCpu, ratio, roundRatios, , , oursRps, referenceRps, , , oursCalls, referenceCalls, errors] of sideBySide) {
      expect(reference, `${String(name)} names its reference`).toMatch(/^(GET|POST) \/reference\//);
      // Both rounds are listed, lowest first, and the reported ratio is the lower middle one.
      const everyRound = (roundRatios ?? '').split(', ').map(Number);
      expect(everyRound, `${String(name)}'s rounds`).toHaveLength(2);
      expect(everyRound[0], `${String(name)}'s rounds in order`).toBeLessThanOrEqual(everyRound[1] ?? Number.NaN);
      expect(Number(ratio), `${String(name)}'s median round`).toBe(everyRound[0]);
      for (const figure of [ours, referenceCpu, ratio, oursRps, referenceRps]) expect(Number(figure), `${String(name)}: ${String(figure)}`).toBeGreaterThan(0);
      expect(Number.isFinite(Number(ratio)), `${String(name)}'s ratio`).toBe(true);
      // Every path but healthz and its static reference talks to Redis.
      if (name !== 'healthz: GET /healthz') for (const calls of [oursCalls, referenceCalls]) expect(Number(calls), `${String(name)}: Redis commands`).toBeGreaterThan(0);
      // Every request of every run succeeded, ours and the reference's: a bench that measures error answers measures the wrong path.
      expect(errors, `${String(name)}'s errors`).toBe('0');
    }

    const latency = tableAfter(out, '| path | p50 full speed (ms) |');
    expect(latency.map((row) => row[0])).toEqual(sideBySide.map((row) => row[0]));
    for (const row of latency) {
      expect(Number.isFinite(Number(row[4])), `${String(row[0])}'s fixed-rate p99`).toBe(true);
      expect(row.at(-1), `${String(row[0])}'s fixed-rate errors`).toBe('0');
    }

    const peers = tableAfter(out, '| server | per request |');
    expect(peers.map((row) => row[0])).toEqual(['ours: POST /api/v2/captcha/siteverify', '@cap.js/server validateToken', 'altcha-lib verifySolution']);
    for (const [name, , cpu, , , , rps, perCoreRatio, errors] of peers) {
      for (const figure of [cpu, rps, perCoreRatio]) expect(Number(figure), `${String(name)}: ${String(figure)}`).toBeGreaterThan(0);
      // A peer answers 409 when its check fails, so zero errors means each pre-made token or solution verified once.
      expect(errors, `${String(name)}'s errors`).toBe('0');
    }

    for (const row of ['svg-captcha', 'per live (issued) captcha']) expect(out).toContain(row);
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
