import { randomAnswer } from '../captcha/alphabet.js';
import { encodeEntry } from '../captcha/captcha-entry.js';
import type { Difficulty } from '../captcha/difficulty.js';
import { DIFFICULTY_PROFILES } from './captcha-svg.js';
import { newSeed } from './random.js';
import type { RenderStyle } from './render-style.js';
import { renderCaptcha } from './renderer.js';

/** Renders `count` captchas with fresh answers and seeds, encoded for the pool. */
export async function renderPoolEntries(
  count: number,
  answerLength: number,
  difficulty: Difficulty,
  style?: RenderStyle,
): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const answer = randomAnswer(answerLength);
      const { png } = await renderCaptcha(answer, newSeed(), DIFFICULTY_PROFILES[difficulty], style);
      return encodeEntry({ answer, difficulty, png, binding: '' });
    }),
  );
}
