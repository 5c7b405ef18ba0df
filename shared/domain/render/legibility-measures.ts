import { Resvg } from '@resvg/resvg-js';
import { GLYPH_INK, IMAGE_HEIGHT, IMAGE_WIDTH, type CaptchaLayers, type Difficulty } from './captcha-svg.js';
import { RESVG_OPTIONS } from './renderer.js';

/** What a reader has to work with, glyph by glyph, measured from the renderer's own layers. */
export interface LegibilityMeasures {
  /** Per glyph, in answer order: share of its ink pixels that no distractor pixel covers. */
  readonly visibleInk: readonly number[];
  /** Per glyph: share of its ink pixels that another glyph's ink covers too. */
  readonly coveredByNeighbours: readonly number[];
}

export interface LegibilityBounds {
  /** Every glyph keeps at least this share of its ink clear of distractors. */
  readonly minVisibleInk: number;
  /** No glyph has more than this share of its ink under its neighbours. */
  readonly maxCoveredByNeighbours: number;
}

/**
 * The bounds each level is held to, for every glyph of every captcha (the
 * unit test checks hundreds of seeded samples per level and style family).
 * At the default level at least 85% of each glyph's ink is clear of
 * distractors and at most 5% of it lies under a neighbour: glyphs may graze
 * each other after the warp but never hide one another. `easy` keeps glyphs
 * apart altogether; `hard` lets them touch (at most 10% under neighbours) and
 * keeps 75% of each glyph clear.
 */
export const LEGIBILITY_BOUNDS: Readonly<Record<Difficulty, LegibilityBounds>> = {
  easy: { minVisibleInk: 0.88, maxCoveredByNeighbours: 0.01 },
  normal: { minVisibleInk: 0.85, maxCoveredByNeighbours: 0.05 },
  hard: { minVisibleInk: 0.75, maxCoveredByNeighbours: 0.1 },
};

/**
 * Rasterizes each glyph alone and the distractors alone, with the production
 * rasterizer settings and the PNG's four gray levels, and compares them pixel
 * by pixel. A glyph's ink is what would be dark gray or black on its own; a
 * distractor covers a pixel if it would leave it anything but white.
 */
export function measureLegibility(layers: CaptchaLayers): LegibilityMeasures {
  const rows = [...layers.glyphs.map((d) => `<path fill="${GLYPH_INK}" d="${d}"/>`), layers.distractors];
  // One raster for all layers, each in its own clipped band of the canvas.
  const bands = rows
    .map((content, row) => `<svg x="0" y="${row * IMAGE_HEIGHT}" width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" viewBox="0 0 ${IMAGE_WIDTH} ${IMAGE_HEIGHT}">${content}</svg>`)
    .join('');
  const height = rows.length * IMAGE_HEIGHT;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_WIDTH}" height="${height}" viewBox="0 0 ${IMAGE_WIDTH} ${height}">${bands}</svg>`;
  const pixels = new Resvg(svg, RESVG_OPTIONS).render().pixels;
  const size = IMAGE_WIDTH * IMAGE_HEIGHT;
  // Gray level as the PNG encoder quantizes it: 0 black … 3 white.
  const level = (row: number, i: number): number => Math.round(((pixels[(row * size + i) * 4 + 1] ?? 255) * 3) / 255);

  const glyphCount = layers.glyphs.length;
  const distractorRow = glyphCount;
  const inkOwners = new Uint8Array(size);
  for (let g = 0; g < glyphCount; g++) for (let i = 0; i < size; i++) if (level(g, i) <= 1) inkOwners[i]++;

  const visibleInk: number[] = [];
  const coveredByNeighbours: number[] = [];
  for (let g = 0; g < glyphCount; g++) {
    let ink = 0;
    let clear = 0;
    let shared = 0;
    for (let i = 0; i < size; i++) {
      if (level(g, i) > 1) continue;
      ink++;
      if (level(distractorRow, i) === 3) clear++;
      if ((inkOwners[i] ?? 0) > 1) shared++;
    }
    visibleInk.push(ink === 0 ? 0 : clear / ink);
    coveredByNeighbours.push(ink === 0 ? 1 : shared / ink);
  }
  return { visibleInk, coveredByNeighbours };
}

/** The bounds a captcha's glyphs break, one line each; empty when it meets them all. */
export function boundViolations(measures: LegibilityMeasures, bounds: LegibilityBounds): string[] {
  const violations: string[] = [];
  measures.visibleInk.forEach((share, glyph) => {
    if (share < bounds.minVisibleInk) violations.push(`glyph ${glyph}: ${(share * 100).toFixed(1)}% of its ink clear of distractors, below ${bounds.minVisibleInk * 100}%`);
  });
  measures.coveredByNeighbours.forEach((share, glyph) => {
    if (share > bounds.maxCoveredByNeighbours) violations.push(`glyph ${glyph}: ${(share * 100).toFixed(1)}% of its ink under neighbours, above ${bounds.maxCoveredByNeighbours * 100}%`);
  });
  return violations;
}
