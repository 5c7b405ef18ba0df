import { describe, expect, it } from 'vitest';
import { ALPHABET } from '../../shared/domain/captcha/alphabet.js';
import { captchaSvg, UNDISTORTED_PROFILE } from '../../shared/domain/render/captcha-svg.js';
import { seededRandom } from '../../shared/domain/render/random.js';
import { rasterize } from '../../bench/hardness/gray-image.js';
import { tesseractAvailable, tesseractRead } from '../../bench/hardness/tesseract.js';

describe('legibility of the glyphs themselves', () => {
  it('lets Tesseract read at least 90% of answers when distortion is switched off', { timeout: 60_000 }, () => {
    // Fails, never skips, without its tool: .ci/run installs it (Debian: tesseract-ocr tesseract-ocr-eng).
    expect(tesseractAvailable(), 'tesseract is required: apt-get install tesseract-ocr tesseract-ocr-eng').toBe(true);
    // A fixed set (every character in every position, fixed seeds), so the figure is the same on every run.
    const samples = Array.from({ length: 120 }, (_, n) => {
      const answer = Array.from({ length: 6 }, (_, position) => ALPHABET.charAt((n * 7 + position * 5 + n * position) % ALPHABET.length)).join('');
      return { answer, image: rasterize(captchaSvg(answer, seededRandom(Buffer.alloc(16, n)), UNDISTORTED_PROFILE)) };
    });
    const reads = tesseractRead(samples.map((s) => s.image), { psm: 7, preprocess: 'raw' }, ALPHABET);
    const right = samples.filter((s, i) => reads[i] === s.answer).length;
    console.log(`Tesseract read ${right} of ${samples.length} undistorted answers`);
    expect(right / samples.length).toBeGreaterThanOrEqual(0.9);
  });
});
