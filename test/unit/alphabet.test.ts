import { describe, expect, it } from 'vitest';
import { ALPHABET, answerEntropyBits, randomAnswer } from '../../shared/domain/captcha/alphabet.js';

describe('answer alphabet', () => {
  it('leaves out characters people confuse', () => {
    for (const confusable of '0O1IlQDZ2S5B8Go') expect(ALPHABET).not.toContain(confusable);
  });

  it('has distinct upper-case characters only', () => {
    expect(new Set(ALPHABET).size).toBe(ALPHABET.length);
    expect(ALPHABET).toBe(ALPHABET.toUpperCase());
  });

  it('gives a six-character answer more than 27 bits of entropy', () => {
    expect(answerEntropyBits(6)).toBeCloseTo(6 * Math.log2(ALPHABET.length), 10);
    expect(answerEntropyBits(6)).toBeGreaterThan(27);
  });

  it('draws answers of the asked length from the alphabet only', () => {
    for (let i = 0; i < 200; i++) {
      const answer = randomAnswer(6);
      expect(answer).toHaveLength(6);
      for (const char of answer) expect(ALPHABET).toContain(char);
    }
  });

  it('uses every character with roughly equal frequency', () => {
    const counts = new Map<string, number>();
    const draws = 23_000;
    for (const char of randomAnswer(draws)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(ALPHABET.length);
    const expected = draws / ALPHABET.length;
    // Chi-square with 22 degrees of freedom: 48 is beyond the 99.9th percentile.
    const chiSquare = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(48);
  });
});
