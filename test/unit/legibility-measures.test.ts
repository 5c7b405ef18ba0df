import { describe, expect, it } from 'vitest';
import { ALPHABET } from '../../shared/domain/captcha/alphabet.js';
import {
  captchaLayers,
  DIFFICULTY_PROFILES,
  type CaptchaLayers,
  type Difficulty,
  type DistortionProfile,
} from '../../shared/domain/render/captcha-svg.js';
import { boundViolations, LEGIBILITY_BOUNDS, measureLegibility } from '../../shared/domain/render/legibility-measures.js';
import { seededRandom } from '../../shared/domain/render/random.js';
import { DEFAULT_STYLE, renderStyleFor, type RenderStyle } from '../../shared/domain/render/render-style.js';

/** Fixed seeds and answers (every character in every position), so the figures are the same on every run. */
function sample(index: number): { answer: string; seed: Buffer } {
  const seed = Buffer.alloc(16);
  seed.writeUInt32BE(index, 0);
  seed.writeUInt32BE(0x1e9b1e, 4);
  const answer = Array.from({ length: 6 }, (_, position) => ALPHABET.charAt((index * 7 + position * 11 + index * position) % ALPHABET.length)).join('');
  return { answer, seed };
}

interface Survey {
  readonly visibleInk: number[];
  readonly coveredByNeighbours: number[];
  readonly violations: string[];
}

function survey(count: number, profile: DistortionProfile, style: RenderStyle, level: Difficulty): Survey {
  const result: Survey = { visibleInk: [], coveredByNeighbours: [], violations: [] };
  for (let i = 0; i < count; i++) {
    const { answer, seed } = sample(i);
    const measures = measureLegibility(captchaLayers(answer, seededRandom(seed), profile, style));
    result.visibleInk.push(...measures.visibleInk);
    result.coveredByNeighbours.push(...measures.coveredByNeighbours);
    for (const violation of boundViolations(measures, LEGIBILITY_BOUNDS[level])) result.violations.push(`${answer} #${i} ${violation}`);
  }
  return result;
}

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;

function report(name: string, result: Survey): string {
  const { visibleInk: ink, coveredByNeighbours: covered } = result;
  return (
    `${name}: ${ink.length} glyphs; visible ink min ${pct(quantile(ink, 0))} p5 ${pct(quantile(ink, 0.05))} median ${pct(quantile(ink, 0.5))}; ` +
    `under neighbours median ${pct(quantile(covered, 0.5))} p95 ${pct(quantile(covered, 0.95))} max ${pct(quantile(covered, 1))}`
  );
}

/** The old default: large glyphs packed into each other, strongly turned, with thick strokes in the ink colour across them. */
const OLD_HEAVY_PROFILE: DistortionProfile = {
  capHeight: [40, 45],
  gap: [-12, -6],
  rotationDegrees: 24,
  verticalJitter: 7,
  stretch: [0.85, 1.12],
  warpAmplitude: [2.5, 4.5],
  warpFrequency: [0.05, 0.09],
  crossingStrokes: 2,
  crossingStrokeWidth: [5, 6.5],
  clutter: 4,
  clutterWidth: [3, 4.5],
  distractorGray: 0x1b,
};

describe('legibility measures', () => {
  const square = (x: number): string => `M${x} 20h30v30h-30Z`;

  it('counts a glyph that nothing touches as fully visible and apart', () => {
    const layers: CaptchaLayers = { glyphs: [square(20), square(120)], distractors: '' };
    expect(measureLegibility(layers)).toEqual({ visibleInk: [1, 1], coveredByNeighbours: [0, 0] });
  });

  it('sees a glyph hidden under a distractor and under a neighbour', () => {
    const hidden: CaptchaLayers = {
      glyphs: [square(20), square(120)],
      distractors: `<path d="M115 15h40v40h-40Z" fill="#aaa"/>`,
    };
    const measures = measureLegibility(hidden);
    expect(measures.visibleInk[0]).toBe(1);
    expect(measures.visibleInk[1]).toBe(0);

    const stacked = measureLegibility({ glyphs: [square(20), square(35)], distractors: '' });
    expect(stacked.coveredByNeighbours[0]).toBeCloseTo(0.5, 1);
    expect(stacked.coveredByNeighbours[1]).toBeCloseTo(0.5, 1);
  });

  it('counts a thin light-gray line across a glyph as covering only the pixels it crosses', () => {
    const measures = measureLegibility({
      glyphs: [square(20)],
      distractors: `<path d="M0 35H240" stroke="#aaa" stroke-width="1.2" fill="none"/>`,
    });
    expect(measures.visibleInk[0]).toBeGreaterThan(0.9);
    expect(measures.visibleInk[0]).toBeLessThan(1);
  });
});

describe('legibility of every level', () => {
  const counts: Record<Difficulty, number> = { easy: 200, normal: 500, hard: 200 };
  for (const level of ['easy', 'normal', 'hard'] as const) {
    const { minVisibleInk, maxCoveredByNeighbours } = LEGIBILITY_BOUNDS[level];
    it(`keeps every glyph at ${level} at least ${minVisibleInk * 100}% visible and at most ${maxCoveredByNeighbours * 100}% under neighbours`, { timeout: 60_000 }, () => {
      const result = survey(counts[level], DIFFICULTY_PROFILES[level], DEFAULT_STYLE, level);
      console.log(report(`${level} (default style)`, result));
      expect(result.violations).toEqual([]);
    });
  }

  // One secret per distortion family (see the style test), at the default level.
  for (const secret of ['b', 'i', 'a', 'c']) {
    const style = renderStyleFor(secret);
    it(`holds the default level's bounds in the ${style.family} family (${style.fonts.join(', ')})`, { timeout: 60_000 }, () => {
      const result = survey(120, DIFFICULTY_PROFILES.normal, style, 'normal');
      console.log(report(`normal, ${style.family} family`, result));
      expect(result.violations).toEqual([]);
    });
  }

  it('fails the old heavy profile, so the checks can fail', { timeout: 60_000 }, () => {
    const result = survey(60, OLD_HEAVY_PROFILE, DEFAULT_STYLE, 'normal');
    console.log(report('old heavy profile', result));
    expect(quantile(result.visibleInk, 0)).toBeLessThan(LEGIBILITY_BOUNDS.normal.minVisibleInk);
    expect(quantile(result.coveredByNeighbours, 1)).toBeGreaterThan(LEGIBILITY_BOUNDS.normal.maxCoveredByNeighbours);
    // Most captchas break a bound, not a rare few.
    const failing = new Set(result.violations.map((violation) => violation.split(' ')[1]));
    expect(failing.size).toBeGreaterThan(60 * 0.8);
  });
});
