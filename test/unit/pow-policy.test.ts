import { describe, expect, it } from 'vitest';
import { MAX_WORK_FACTOR, slidingCounts, stepUpReason, workFor, type SignalCounts } from '../../shared/domain/pow/pow-policy.js';
import { MemoryClientSignals } from '../support/fakes.js';

const counts = (challenge: number, failure = 0, fast = 0): SignalCounts => ({ challenge, failure, fast });
const THRESHOLDS = { challenges: 30, failures: 3, fastAnswers: 1 };

describe('work per client', () => {
  it('is the site\'s own below one volume step', () => {
    expect(workFor(30_000, 0, 20)).toBe(30_000);
    expect(workFor(30_000, 19, 20)).toBe(30_000);
  });

  it('doubles with every volume step, up to a cap', () => {
    expect(workFor(30_000, 20, 20)).toBe(60_000);
    expect(workFor(30_000, 45, 20)).toBe(120_000);
    expect(workFor(30_000, 80, 20)).toBe(30_000 * MAX_WORK_FACTOR);
    expect(workFor(30_000, 1e9, 20)).toBe(30_000 * MAX_WORK_FACTOR);
  });

  it('never rises with the step turned off', () => {
    expect(workFor(30_000, 1e6, 0)).toBe(30_000);
  });
});

describe('step-up', () => {
  it('asks nothing more of a quiet client', () => {
    expect(stepUpReason(counts(1), THRESHOLDS)).toBeUndefined();
    expect(stepUpReason(counts(29, 2, 0), THRESHOLDS)).toBeUndefined();
  });

  it('adds an image for volume, failures or fast answers, failures first', () => {
    expect(stepUpReason(counts(30), THRESHOLDS)).toBe('volume');
    expect(stepUpReason(counts(2, 3), THRESHOLDS)).toBe('failures');
    expect(stepUpReason(counts(2, 0, 1), THRESHOLDS)).toBe('fast_answers');
    expect(stepUpReason(counts(40, 5, 1), THRESHOLDS)).toBe('failures');
  });

  it('ignores a reason whose threshold is 0', () => {
    expect(stepUpReason(counts(1000, 1000, 1000), { challenges: 0, failures: 0, fastAnswers: 0 })).toBeUndefined();
  });
});

describe('sliding counts from two fixed windows', () => {
  const WINDOW = 600_000;

  it('counts all of the current window and the part of the previous one still in range', () => {
    const windows = { current: counts(4, 1, 0), previous: counts(10, 2, 1) };
    expect(slidingCounts(windows, 10 * WINDOW, WINDOW)).toEqual(counts(14, 3, 1));
    expect(slidingCounts(windows, 10 * WINDOW + WINDOW / 2, WINDOW)).toEqual(counts(9, 2, 0));
    expect(slidingCounts(windows, 11 * WINDOW - 1, WINDOW)).toEqual(counts(4, 1, 0));
  });

  it('rotates windows in the memory fake as the Redis script does', async () => {
    const signals = new MemoryClientSignals();
    const start = 100 * WINDOW;
    await signals.record('198.51.100.7', 'challenge', start, WINDOW);
    await signals.record('198.51.100.7', 'challenge', start + 1, WINDOW);
    expect(await signals.record('198.51.100.7', 'failure', start + WINDOW, WINDOW)).toEqual({ current: counts(0, 1), previous: counts(2) });
    expect(await signals.record('198.51.100.7', undefined, start + 3 * WINDOW, WINDOW)).toEqual({ current: counts(0), previous: counts(0) });
    expect(await signals.record('203.0.113.1', undefined, start, WINDOW)).toEqual({ current: counts(0), previous: counts(0) });
  });
});
