import { beforeEach, describe, expect, it } from 'vitest';
import { PowPuzzles, type PuzzlePayload } from '../../shared/domain/pow/puzzle.js';
import { FakeClock } from '../support/fakes.js';
import { solveForTest } from '../../tooling/pow.js';

const SECRET = 'test-secret-that-is-long-enough-0123456789';
const BINDING = { sitekey: 'FCAAAAAAAAAAAAAA', origin: 'https://shop.example', image: '' };

describe('PowPuzzles', () => {
  let clock: FakeClock;
  let puzzles: PowPuzzles;

  beforeEach(() => {
    // Near real time: altcha-lib checks expiry against the system clock too.
    clock = new FakeClock(Date.now());
    puzzles = new PowPuzzles(SECRET, clock, 300);
  });

  it('signs a puzzle bound to its site, page and image, which the widget solver solves', async () => {
    const { challenge, claims } = await puzzles.create({ ...BINDING, image: 'a'.repeat(40) }, 2000);
    expect(claims).toMatchObject({ sitekey: BINDING.sitekey, origin: BINDING.origin, image: 'a'.repeat(40), work: 2000 });
    expect(claims.id).toMatch(/^[0-9a-f]{32}$/);
    expect(claims.expiresAt).toBe(Math.floor(clock.now() / 1000) * 1000 + 300_000);
    expect(challenge.parameters.algorithm).toBe('SHA-256');
    const checked = await puzzles.check(await solveForTest(challenge, 2000));
    expect(checked).toEqual({ ok: true, claims });
  });

  it('hides its counter between half and one and a half times the work', async () => {
    const counters: number[] = [];
    for (let i = 0; i < 12; i++) {
      const { challenge } = await puzzles.create(BINDING, 1000);
      counters.push((await solveForTest(challenge, 1000)).solution.counter);
    }
    for (const counter of counters) {
      expect(counter).toBeGreaterThanOrEqual(500);
      expect(counter).toBeLessThanOrEqual(1500);
    }
    expect(new Set(counters).size).toBeGreaterThan(6);
  });

  it('keeps work within its bounds', async () => {
    expect((await puzzles.create(BINDING, 5)).claims.work).toBe(1000);
    expect((await puzzles.create(BINDING, 1e12)).claims.work).toBe(100_000_000);
  });

  it('refuses a wrong solution', async () => {
    const { challenge } = await puzzles.create(BINDING, 1000);
    const solved = await solveForTest(challenge, 1000);
    expect(await puzzles.check({ challenge, solution: { ...solved.solution, derivedKey: 'ab'.repeat(32) } })).toEqual({ ok: false, reason: 'unsolved' });
    expect(await puzzles.check({ challenge, solution: { counter: 3, derivedKey: 'zz' } })).toEqual({ ok: false, reason: 'unsolved' });
  });

  it('refuses a tampered puzzle: another site, page, image, work or expiry', async () => {
    const { challenge } = await puzzles.create(BINDING, 1000);
    const { solution } = await solveForTest(challenge, 1000);
    const tampered = (change: Partial<typeof challenge.parameters>): PuzzlePayload => ({
      challenge: { ...challenge, parameters: { ...challenge.parameters, ...change } },
      solution,
    });
    const data = challenge.parameters.data ?? {};
    for (const change of [
      { data: { ...data, sitekey: 'FCBBBBBBBBBBBBBB' } },
      { data: { ...data, origin: 'https://evil.example' } },
      { data: { ...data, image: 'b'.repeat(40) } },
      { data: { ...data, work: 1 } },
      { expiresAt: (challenge.parameters.expiresAt ?? 0) + 3600 },
    ]) {
      expect(await puzzles.check(tampered(change))).toEqual({ ok: false, reason: 'forged' });
    }
    expect(await puzzles.check({ challenge: { ...challenge, signature: 'ab'.repeat(32) }, solution })).toEqual({ ok: false, reason: 'forged' });
    expect(await puzzles.check(tampered({ data: undefined }))).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses a puzzle signed with another secret', async () => {
    const other = new PowPuzzles('another-secret-that-is-long-enough-000000', clock, 300);
    const { challenge } = await other.create(BINDING, 1000);
    expect(await puzzles.check(await solveForTest(challenge, 1000))).toEqual({ ok: false, reason: 'forged' });
  });

  it('expires with the clock', async () => {
    const { challenge } = await puzzles.create(BINDING, 1000);
    const solved = await solveForTest(challenge, 1000);
    clock.advance(299_000);
    expect((await puzzles.check(solved)).ok).toBe(true);
    clock.advance(1_000);
    expect(await puzzles.check(solved)).toEqual({ ok: false, reason: 'expired' });
  });
});
