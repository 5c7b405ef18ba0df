import { randomInt } from 'node:crypto';

/**
 * Characters a captcha answer is drawn from. Left out because people (and
 * distortion) confuse them: 0 O Q D, 1 I, 2 Z, 5 S, 8 B, G (kept 6), and all
 * lower case (answers are compared case-insensitively).
 */
export const ALPHABET = 'ACEFHJKLMNPRTUVWXY34679';

/** Bits of guessing entropy in an answer of the given length. */
export function answerEntropyBits(length: number): number {
  return length * Math.log2(ALPHABET.length);
}

/** A uniformly random answer from a CSPRNG (crypto.randomInt rejects modulo bias). */
export function randomAnswer(length: number): string {
  let answer = '';
  for (let i = 0; i < length; i++) answer += ALPHABET.charAt(randomInt(ALPHABET.length));
  return answer;
}
