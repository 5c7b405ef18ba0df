import { glyphOutline, type GlyphOutline, type OutlineCommand } from './glyphs.js';
import type { Random } from './random.js';
import { DEFAULT_STYLE, type DistortionFamily, type RenderStyle } from './render-style.js';

export const IMAGE_WIDTH = 240;
export const IMAGE_HEIGHT = 80;

/**
 * How strongly an image is distorted. Every range is [min, max]. The shape of
 * the distortion (warp, layout, distractor shapes) comes from the
 * `RenderStyle`; the profile sets only its strength.
 */
export interface DistortionProfile {
  /** Height of a capital letter, px: fonts are matched on it, so every font reads at the same size. */
  readonly capHeight: readonly [number, number];
  /**
   * Horizontal gap between the boxes of neighbouring glyphs once rotated, px.
   * Positive keeps them apart; negative packs them into each other.
   */
  readonly gap: readonly [number, number];
  readonly rotationDegrees: number;
  readonly verticalJitter: number;
  readonly stretch: readonly [number, number];
  /** Amplitude (px) and spatial frequency (rad/px) of the warp applied to every outline point. */
  readonly warpAmplitude: readonly [number, number];
  readonly warpFrequency: readonly [number, number];
  /** Lines slashed through the text from the top edge to the bottom. */
  readonly crossingStrokes: number;
  readonly crossingStrokeWidth: readonly [number, number];
  /** Short marks about the size of a glyph part. */
  readonly clutter: number;
  readonly clutterWidth: readonly [number, number];
  /**
   * Gray of every distractor, 0 (black) to 255 (white). The PNG has four
   * levels (0, 85, 170, 255); glyphs are black, so 170 draws distractors in the
   * light gray a reader's eye sets apart from the text at once.
   */
  readonly distractorGray: number;
}

/**
 * The levels were derived from the legibility measures (see
 * `legibility-measures.ts` and its unit test), not guessed: glyphs never
 * touch at `easy` and `normal`, distractors are thin light-gray lines drawn
 * over the glyphs, and their counts and widths were raised only as far as
 * every glyph of hundreds of seeded samples keeps its bound of visible ink.
 */
export const DEFAULT_PROFILE: DistortionProfile = {
  capHeight: [33, 37],
  gap: [3, 6],
  rotationDegrees: 12,
  verticalJitter: 6,
  stretch: [0.9, 1.1],
  warpAmplitude: [2, 3.5],
  warpFrequency: [0.04, 0.07],
  crossingStrokes: 2,
  crossingStrokeWidth: [1, 1.3],
  clutter: 4,
  clutterWidth: [1, 1.3],
  distractorGray: 170,
};

export type Difficulty = 'easy' | 'normal' | 'hard';

/** The distortion of each difficulty level; `normal` is the default. */
export const DIFFICULTY_PROFILES: Readonly<Record<Difficulty, DistortionProfile>> = {
  easy: {
    ...DEFAULT_PROFILE,
    capHeight: [34, 37],
    gap: [5, 8],
    rotationDegrees: 6,
    verticalJitter: 3,
    stretch: [0.95, 1.05],
    warpAmplitude: [1, 2],
    crossingStrokes: 1,
    clutter: 2,
  },
  normal: DEFAULT_PROFILE,
  // Closer, more rotated and warped glyphs that may just touch, and more,
  // wider distractors in the darker gray: slower to read, still legible.
  hard: {
    ...DEFAULT_PROFILE,
    capHeight: [32, 36],
    gap: [1, 3],
    rotationDegrees: 18,
    verticalJitter: 8,
    stretch: [0.85, 1.15],
    warpAmplitude: [2.5, 4],
    warpFrequency: [0.045, 0.075],
    crossingStrokes: 3,
    crossingStrokeWidth: [1.4, 1.8],
    clutter: 6,
    clutterWidth: [1.3, 1.7],
    distractorGray: 85,
  },
};

/** The same glyphs, upright and evenly spaced, with nothing drawn across them. */
export const UNDISTORTED_PROFILE: DistortionProfile = {
  capHeight: [34, 34],
  gap: [8, 8],
  rotationDegrees: 0,
  verticalJitter: 0,
  stretch: [1, 1],
  warpAmplitude: [0, 0],
  warpFrequency: [0, 0],
  crossingStrokes: 0,
  crossingStrokeWidth: [0, 0],
  clutter: 0,
  clutterWidth: [0, 0],
  distractorGray: 170,
};

/**
 * A captcha before it is flattened into one picture: what the legibility
 * measures compare. Drawn in this order: white paper, glyphs, distractors.
 */
export interface CaptchaLayers {
  /** SVG path data of each glyph, in answer order, filled with `GLYPH_INK`. */
  readonly glyphs: readonly string[];
  /** SVG elements of every distractor (empty when there are none). */
  readonly distractors: string;
}

export const GLYPH_INK = '#1b1b1b';

type Point = { x: number; y: number };
type Transform = (x: number, y: number) => Point;

const fmt = (value: number): string => (Math.round(value * 10) / 10).toString();
const hexGray = (gray: number): string => {
  const byte = Math.round(Math.min(255, Math.max(0, gray))).toString(16).padStart(2, '0');
  return `#${byte}${byte}${byte}`;
};

/** Draws the answer as SVG paths: glyph outlines laid out and warped, with distractors over them. */
export function captchaSvg(
  answer: string,
  random: Random,
  profile: DistortionProfile = DEFAULT_PROFILE,
  style: RenderStyle = DEFAULT_STYLE,
): string {
  return composeSvg(captchaLayers(answer, random, profile, style));
}

/** Flattens the layers into the SVG that is rasterized. */
export function composeSvg(layers: CaptchaLayers): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" viewBox="0 0 ${IMAGE_WIDTH} ${IMAGE_HEIGHT}">` +
    `<rect width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" fill="#fff"/>` +
    `<path fill="${GLYPH_INK}" d="${layers.glyphs.join('')}"/>` +
    layers.distractors +
    '</svg>'
  );
}

/** One glyph with its own scale, stretch, slant and rotation, and the box it then fills around its centre. */
interface Glyph {
  readonly outline: GlyphOutline;
  readonly transform: (x: number, y: number) => Point;
  readonly box: Box;
}

interface Box {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

const CLUTTER_ATTEMPTS = 8;

function overlapArea(a: Box, b: Box): number {
  return Math.max(0, Math.min(a.maxX, b.maxX) - Math.max(a.minX, b.minX)) * Math.max(0, Math.min(a.maxY, b.maxY) - Math.max(a.minY, b.minY));
}

/** Where the family puts a glyph's centre vertically, and how much it tilts it (radians), at a horizontal position. */
interface Layout {
  centerY(index: number, x: number): number;
  lean(x: number): number;
  readonly warp: Transform;
}

/**
 * Lays the glyphs out left to right with a chosen gap between their rotated
 * boxes (so neighbours stay apart however they are turned), shrinks the
 * line if it would not fit, then bends it with the family's warp.
 */
export function captchaLayers(
  answer: string,
  random: Random,
  profile: DistortionProfile = DEFAULT_PROFILE,
  style: RenderStyle = DEFAULT_STYLE,
): CaptchaLayers {
  const font = style.fonts[Math.floor(random.next() * style.fonts.length)] ?? DEFAULT_STYLE.fonts[0];
  const capHeight = random.between(...profile.capHeight);
  const warpAmplitude = random.between(...profile.warpAmplitude);
  const layout = familyLayout(style.family, random, profile, warpAmplitude);
  const shear = Math.tan((style.slantDegrees * Math.PI) / 180);

  const margin = 6 + warpAmplitude;
  const available = IMAGE_WIDTH - 2 * margin;
  // The family's lean is added to each glyph's own turn before the boxes are measured, so gaps hold after it.
  const slotX = (index: number): number => margin + ((index + 0.5) * available) / answer.length;
  let glyphs = [...answer].map((char, index) => {
    const turn = random.between(-1, 1) * profile.rotationDegrees + (layout.lean(slotX(index)) * 180) / Math.PI;
    return placeGlyph(glyphOutline(char, font), capHeight * random.between(0.95, 1.05), random.between(...profile.stretch), shear, turn);
  });
  const gaps = glyphs.slice(1).map(() => random.between(...profile.gap));
  const gapSum = gaps.reduce((sum, gap) => sum + gap, 0);
  const inkWidth = glyphs.reduce((sum, glyph) => sum + glyph.box.maxX - glyph.box.minX, 0);
  const fit = Math.min(1, (available - gapSum) / inkWidth);
  if (fit < 1) glyphs = glyphs.map((glyph) => scaledGlyph(glyph, fit));
  const lineWidth = glyphs.reduce((sum, glyph) => sum + glyph.box.maxX - glyph.box.minX, 0) + gapSum;
  const slack = Math.max(0, available - lineWidth);
  let left = margin + slack / 2 + random.between(-slack / 3, slack / 3);

  const placed: Box[] = [];
  const paths = glyphs.map((glyph, index) => {
    const centerX = left - glyph.box.minX;
    left = centerX + glyph.box.maxX + (gaps[index] ?? 0);
    const top = margin - glyph.box.minY;
    const bottom = IMAGE_HEIGHT - margin - glyph.box.maxY;
    const centerY = Math.min(Math.max(layout.centerY(index, centerX), top), Math.max(top, bottom));
    const { minX, maxX, minY, maxY } = glyph.box;
    placed.push({ minX: centerX + minX, maxX: centerX + maxX, minY: centerY + minY, maxY: centerY + maxY });
    return pathData(glyph.outline.commands, (x, y) => {
      const p = glyph.transform(x, y);
      return layout.warp(centerX + p.x, centerY + p.y);
    });
  });

  const ink = hexGray(profile.distractorGray);
  const strokes: string[] = [];
  // Crossing lines run parallel, each through its own stretch of the text, so they never cross each other over a glyph.
  const angle = (random.between(...CROSSING_ANGLE) * Math.PI) / 180;
  const lean = random.sign();
  const textLeft = placed[0]?.minX ?? 0;
  const textRight = placed[placed.length - 1]?.maxX ?? IMAGE_WIDTH;
  for (let i = 0; i < profile.crossingStrokes; i++) {
    const laneX = textLeft + ((textRight - textLeft) * (i + random.between(0.2, 0.8))) / profile.crossingStrokes;
    strokes.push(strokePath(crossingPath(style.family, random, angle, lean, laneX), random.between(...profile.crossingStrokeWidth)));
  }
  for (let i = 0; i < profile.clutter; i++) {
    // Of a few candidate spots, the one least over the glyphs: clutter is texture around the text, not a cut through it.
    let best: { mark: Mark; overlap: number } | undefined;
    for (let attempt = 0; attempt < CLUTTER_ATTEMPTS && best?.overlap !== 0; attempt++) {
      const mark = clutterMark(style.family, random, capHeight);
      const overlap = placed.reduce((sum, box) => sum + overlapArea(mark.box, box), 0);
      if (!best || overlap < best.overlap) best = { mark, overlap };
    }
    if (best) strokes.push(strokePath(best.mark.d, random.between(...profile.clutterWidth)));
  }
  const distractors =
    strokes.length === 0
      ? ''
      : `<g fill="none" stroke="${ink}" stroke-linecap="round" stroke-linejoin="round">${strokes.join('')}</g>`;
  return { glyphs: paths, distractors };
}

function placeGlyph(outline: GlyphOutline, capHeight: number, stretch: number, shear: number, rotationDegrees: number): Glyph {
  const scale = capHeight / outline.capHeight;
  const angle = (rotationDegrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const transform = (x: number, y: number): Point => {
    const localY = (y - outline.centerY) * scale;
    const localX = (x - outline.centerX) * scale * stretch - localY * shear;
    return { x: localX * cos - localY * sin, y: localX * sin + localY * cos };
  };
  return { outline, transform, box: boxOf(outline.commands, transform) };
}

function scaledGlyph(glyph: Glyph, factor: number): Glyph {
  const transform = (x: number, y: number): Point => {
    const p = glyph.transform(x, y);
    return { x: p.x * factor, y: p.y * factor };
  };
  const { minX, maxX, minY, maxY } = glyph.box;
  return { outline: glyph.outline, transform, box: { minX: minX * factor, maxX: maxX * factor, minY: minY * factor, maxY: maxY * factor } };
}

/** The box of the outline's points, control points included, so the curves are inside it. */
function boxOf(commands: readonly OutlineCommand[], transform: Transform): Box {
  const box = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  const add = (x: number, y: number): void => {
    const p = transform(x, y);
    box.minX = Math.min(box.minX, p.x);
    box.maxX = Math.max(box.maxX, p.x);
    box.minY = Math.min(box.minY, p.y);
    box.maxY = Math.max(box.maxY, p.y);
  };
  for (const command of commands) {
    switch (command.type) {
      case 'M':
      case 'L':
        add(command.x, command.y);
        break;
      case 'Q':
        add(command.x1, command.y1);
        add(command.x, command.y);
        break;
      case 'C':
        add(command.x1, command.y1);
        add(command.x2, command.y2);
        add(command.x, command.y);
        break;
      case 'Z':
        break;
    }
  }
  return box;
}

function familyLayout(family: DistortionFamily, random: Random, profile: DistortionProfile, amplitude: number): Layout {
  const middle = IMAGE_HEIGHT / 2;
  const freqX = random.between(...profile.warpFrequency);
  const freqY = random.between(...profile.warpFrequency);
  const phaseX = random.between(0, 2 * Math.PI);
  const phaseY = random.between(0, 2 * Math.PI);
  const jitter = Array.from({ length: 16 }, () => random.between(-1, 1) * profile.verticalJitter);
  const jitterAt = (index: number): number => jitter[index % jitter.length] ?? 0;
  switch (family) {
    case 'wave':
      return {
        centerY: (index) => middle + jitterAt(index),
        lean: () => 0,
        warp: (x, y) => ({ x: x + amplitude * Math.sin(y * freqY * 1.7 + phaseX), y: y + amplitude * Math.sin(x * freqX + phaseY) }),
      };
    case 'arc': {
      // A parabola through the text band, glyphs leaning along its slope.
      const depth = amplitude * 2.5 * random.sign();
      const half = IMAGE_WIDTH / 2;
      return {
        centerY: (index, x) => middle + depth * (((x - half) / half) ** 2 - 1 / 3) + jitterAt(index) * 0.6,
        lean: (x) => Math.atan((2 * depth * (x - half)) / (half * half)),
        warp: (x, y) => ({ x: x + amplitude * 0.4 * Math.sin(y * freqY + phaseX), y: y + amplitude * 0.4 * Math.sin(x * freqX + phaseY) }),
      };
    }
    case 'steps': {
      // Glyphs alternately up and down; each row of pixels shifted by a wave, like a sheared print.
      const first = random.sign();
      return {
        centerY: (index) => middle + first * (index % 2 === 0 ? 1 : -1) * profile.verticalJitter * 0.7 + jitterAt(index) * 0.3,
        lean: () => 0,
        warp: (x, y) => ({ x: x + amplitude * Math.sin(y * freqY * 2.2 + phaseX), y: y + amplitude * 0.3 * Math.sin(x * freqX + phaseY) }),
      };
    }
    case 'bulge': {
      // Glyph height swells and shrinks along the line, as under a lens.
      const swell = amplitude / 22;
      return {
        centerY: (index) => middle + jitterAt(index) * 0.8,
        lean: () => 0,
        warp: (x, y) => ({
          x: x + amplitude * 0.5 * Math.sin(y * freqY * 1.7 + phaseX),
          y: middle + (y - middle) * (1 + swell * Math.sin(x * freqX * 1.3 + phaseY)),
        }),
      };
    }
  }
}

function pathData(commands: readonly OutlineCommand[], place: Transform): string {
  let d = '';
  for (const command of commands) {
    switch (command.type) {
      case 'M':
      case 'L': {
        const p = place(command.x, command.y);
        d += `${command.type}${fmt(p.x)} ${fmt(p.y)}`;
        break;
      }
      case 'Q': {
        const c = place(command.x1, command.y1);
        const p = place(command.x, command.y);
        d += `Q${fmt(c.x)} ${fmt(c.y)} ${fmt(p.x)} ${fmt(p.y)}`;
        break;
      }
      case 'C': {
        const c1 = place(command.x1, command.y1);
        const c2 = place(command.x2, command.y2);
        const p = place(command.x, command.y);
        d += `C${fmt(c1.x)} ${fmt(c1.y)} ${fmt(c2.x)} ${fmt(c2.y)} ${fmt(p.x)} ${fmt(p.y)}`;
        break;
      }
      case 'Z':
        d += 'Z';
        break;
    }
  }
  return d;
}

const point = (p: Point): string => `${fmt(p.x)} ${fmt(p.y)}`;

/** Range of the angle between a crossing line and the horizontal, in degrees. */
const CROSSING_ANGLE = [28, 40] as const;

/**
 * A line slashed through the text band from the top edge to the bottom, in
 * the family's shape. Steep enough that it cuts across a glyph's bars and
 * never runs along one (which would hide the whole bar of an E or a T), and
 * shallow enough not to run down a stem.
 */
function crossingPath(family: DistortionFamily, random: Random, angle: number, lean: number, laneX: number): string {
  const run = 1 / Math.tan(angle); // horizontal px per px down
  const middle = { x: laneX, y: IMAGE_HEIGHT / 2 + random.between(-6, 6) };
  const at = (y: number): Point => ({ x: middle.x + lean * run * (y - middle.y), y });
  const top = at(-4);
  const bottom = at(IMAGE_HEIGHT + 4);
  // Unit vector across the line, for bends.
  const length = Math.hypot(bottom.x - top.x, bottom.y - top.y);
  const across = { x: -(bottom.y - top.y) / length, y: (bottom.x - top.x) / length };
  const off = (p: Point, by: number): Point => ({ x: p.x + across.x * by, y: p.y + across.y * by });
  switch (family) {
    case 'wave': {
      // A slight S-bend.
      const bow = random.between(-4, 4);
      return `M${point(top)}C${point(off(at(IMAGE_HEIGHT / 3), bow))} ${point(off(at((IMAGE_HEIGHT * 2) / 3), -bow))} ${point(bottom)}`;
    }
    case 'arc': {
      // A circular arc with a small sagitta next to its chord, so its slope stays near the line's.
      const radius = random.between(length * 1.2, length * 2);
      return `M${point(top)}A${fmt(radius)} ${fmt(radius)} 0 0 ${random.next() < 0.5 ? 0 : 1} ${point(bottom)}`;
    }
    case 'steps': {
      // A lightning bolt: the line with two kinks.
      const kink = random.between(4, 7) * random.sign();
      return `M${point(top)}L${point(off(at(IMAGE_HEIGHT * 0.38), kink))}L${point(off(at(IMAGE_HEIGHT * 0.62), -kink))}L${point(bottom)}`;
    }
    case 'bulge': {
      // A wavy line: three half-waves of a sine along it, each a cubic.
      const height = random.between(3, 5) * random.sign();
      let d = `M${point(top)}`;
      for (let i = 0; i < 3; i++) {
        const y0 = top.y + ((bottom.y - top.y) * i) / 3;
        const step = (bottom.y - top.y) / 3;
        const bulge = (i % 2 === 0 ? 1 : -1) * height * 1.33;
        d += `C${point(off(at(y0 + step / 3), bulge))} ${point(off(at(y0 + (2 * step) / 3), bulge))} ${point(at(y0 + step))}`;
      }
      return d;
    }
  }
}

/** A clutter mark: its path and a box around every point that shapes it. */
interface Mark {
  readonly d: string;
  readonly box: Box;
}

function boxAround(points: readonly Point[], pad = 0): Box {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return { minX: Math.min(...xs) - pad, maxX: Math.max(...xs) + pad, minY: Math.min(...ys) - pad, maxY: Math.max(...ys) + pad };
}

/** A short mark somewhere on the image, about the size of a glyph part. */
function clutterMark(family: DistortionFamily, random: Random, capHeight: number): Mark {
  const start = { x: random.between(10, IMAGE_WIDTH - 10), y: random.between(8, IMAGE_HEIGHT - 8) };
  const reach = capHeight * random.between(0.3, 0.6);
  const angle = random.between(0, 2 * Math.PI);
  const end = { x: start.x + reach * Math.cos(angle), y: start.y + reach * Math.sin(angle) };
  const middle = { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 };
  const bend = reach * random.between(0.3, 0.8) * random.sign();
  const normal = { x: -Math.sin(angle), y: Math.cos(angle) };
  switch (family) {
    case 'wave': {
      const control = { x: middle.x + bend * normal.x, y: middle.y + bend * normal.y };
      return { d: `M${point(start)}Q${point(control)} ${point(end)}`, box: boxAround([start, control, end]) };
    }
    case 'arc': {
      const radius = reach * 0.35;
      return {
        d: `M${point({ x: middle.x - radius, y: middle.y })}a${fmt(radius)} ${fmt(radius)} 0 1 0 ${fmt(2 * radius)} 0a${fmt(radius)} ${fmt(radius)} 0 1 0 ${fmt(-2 * radius)} 0`,
        box: boxAround([middle], radius),
      };
    }
    case 'steps':
      return { d: `M${point(start)}L${point(end)}`, box: boxAround([start, end]) };
    case 'bulge': {
      const c1 = { x: start.x + (end.x - start.x) / 3 + bend * normal.x, y: start.y + (end.y - start.y) / 3 + bend * normal.y };
      const c2 = { x: start.x + ((end.x - start.x) * 2) / 3 - bend * normal.x, y: start.y + ((end.y - start.y) * 2) / 3 - bend * normal.y };
      return { d: `M${point(start)}C${point(c1)} ${point(c2)} ${point(end)}`, box: boxAround([start, c1, c2, end]) };
    }
  }
}

function strokePath(d: string, width: number): string {
  return `<path stroke-width="${fmt(width)}" d="${d}"/>`;
}
