import { glyphOutline, type OutlineCommand } from './glyphs.js';
import type { Random } from './random.js';

export const IMAGE_WIDTH = 240;
export const IMAGE_HEIGHT = 80;

/** How strongly an image is distorted. Every range is [min, max]. */
export interface DistortionProfile {
  readonly fontSize: readonly [number, number];
  /** Horizontal distance between glyph centres, as a fraction of the font size. */
  readonly spacing: readonly [number, number];
  readonly rotationDegrees: number;
  readonly verticalJitter: number;
  readonly stretch: readonly [number, number];
  /** Amplitude (px) and spatial frequency (rad/px) of the sine warp applied to every outline point. */
  readonly warpAmplitude: readonly [number, number];
  readonly warpFrequency: readonly [number, number];
  /** Long strokes drawn across the text, in the ink colour. */
  readonly crossingStrokes: number;
  readonly crossingStrokeWidth: readonly [number, number];
  /** Short curved fragments that look like glyph parts. */
  readonly clutter: number;
  readonly clutterWidth: readonly [number, number];
}

export const DEFAULT_PROFILE: DistortionProfile = {
  fontSize: [56, 64],
  spacing: [0.52, 0.58],
  rotationDegrees: 24,
  verticalJitter: 7,
  stretch: [0.85, 1.12],
  warpAmplitude: [2.5, 4.5],
  warpFrequency: [0.05, 0.09],
  crossingStrokes: 2,
  // Close to the glyphs' own stems (~8 px), so a morphological opening cannot strip them cheaply.
  crossingStrokeWidth: [5, 6.5],
  clutter: 4,
  clutterWidth: [3, 4.5],
};

export type Difficulty = 'easy' | 'normal' | 'hard';

/** The distortion of each difficulty level; `normal` is the default. */
export const DIFFICULTY_PROFILES: Readonly<Record<Difficulty, DistortionProfile>> = {
  easy: {
    ...DEFAULT_PROFILE,
    rotationDegrees: 15,
    verticalJitter: 4,
    warpAmplitude: [1.5, 2.5],
    crossingStrokes: 1,
    crossingStrokeWidth: [3, 4.5],
    clutter: 3,
    clutterWidth: [2, 3.5],
    spacing: [0.56, 0.62],
  },
  normal: DEFAULT_PROFILE,
  hard: {
    ...DEFAULT_PROFILE,
    rotationDegrees: 32,
    spacing: [0.46, 0.52],
    warpAmplitude: [3.5, 6],
    crossingStrokes: 3,
    crossingStrokeWidth: [7, 10],
    clutter: 6,
    clutterWidth: [6, 9],
  },
};

/** The same glyphs, upright and evenly spaced, with nothing drawn across them. */
export const UNDISTORTED_PROFILE: DistortionProfile = {
  fontSize: [48, 48],
  spacing: [0.66, 0.66],
  rotationDegrees: 0,
  verticalJitter: 0,
  stretch: [1, 1],
  warpAmplitude: [0, 0],
  warpFrequency: [0, 0],
  crossingStrokes: 0,
  crossingStrokeWidth: [0, 0],
  clutter: 0,
  clutterWidth: [0, 0],
};

const INK = '#1b1b1b';

type Point = { x: number; y: number };
/** Start, two control points and end of a cubic Bézier curve. */
type Curve = [Point, Point, Point, Point];
type Transform = (x: number, y: number) => Point;

const fmt = (value: number): string => (Math.round(value * 10) / 10).toString();

/**
 * Draws the answer as SVG paths: each glyph scaled, stretched, rotated and
 * shifted on its own, packed so neighbours touch or overlap, then the whole
 * line bent by a sine warp, with strokes and fragments crossing it.
 */
export function captchaSvg(answer: string, random: Random, profile: DistortionProfile = DEFAULT_PROFILE): string {
  const fontSize = random.between(...profile.fontSize);
  const spacing = fontSize * random.between(...profile.spacing);
  const lineWidth = spacing * (answer.length - 1);
  const slack = Math.max(0, IMAGE_WIDTH - lineWidth - fontSize * 0.9);
  const firstCenter = (IMAGE_WIDTH - lineWidth) / 2 + random.between(-slack / 4, slack / 4);
  const warp = sineWarp(random, profile);

  const glyphPaths: string[] = [];
  [...answer].forEach((char, index) => {
    const outline = glyphOutline(char);
    const scale = fontSize * random.between(0.92, 1.08);
    const stretch = random.between(...profile.stretch);
    const angle = (random.between(-1, 1) * profile.rotationDegrees * Math.PI) / 180;
    const centerX = firstCenter + index * spacing + random.between(-2, 2);
    const centerY = IMAGE_HEIGHT / 2 + random.between(-1, 1) * profile.verticalJitter;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const place: Transform = (x, y) => {
      const localX = (x - outline.centerX) * scale * stretch;
      const localY = (y - outline.centerY) * scale;
      return warp(centerX + localX * cos - localY * sin, centerY + localX * sin + localY * cos);
    };
    glyphPaths.push(pathData(outline.commands, place));
  });

  const strokes: string[] = [];
  for (let i = 0; i < profile.crossingStrokes; i++) {
    const width = random.between(...profile.crossingStrokeWidth);
    strokes.push(strokePath(crossingCurve(random), width));
  }
  for (let i = 0; i < profile.clutter; i++) {
    strokes.push(strokePath(fragmentCurve(random, fontSize), random.between(...profile.clutterWidth)));
  }

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" viewBox="0 0 ${IMAGE_WIDTH} ${IMAGE_HEIGHT}">` +
    `<rect width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" fill="#fff"/>` +
    `<path fill="${INK}" d="${glyphPaths.join('')}"/>` +
    strokes.join('') +
    '</svg>'
  );
}

function sineWarp(random: Random, profile: DistortionProfile): Transform {
  const ampX = random.between(...profile.warpAmplitude);
  const ampY = random.between(...profile.warpAmplitude);
  const freqX = random.between(...profile.warpFrequency);
  const freqY = random.between(...profile.warpFrequency);
  const phaseX = random.between(0, 2 * Math.PI);
  const phaseY = random.between(0, 2 * Math.PI);
  return (x, y) => ({
    x: x + ampX * Math.sin(y * freqY * 1.7 + phaseX),
    y: y + ampY * Math.sin(x * freqX + phaseY),
  });
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

/** A cubic curve from the left edge to the right edge through the text band. */
function crossingCurve(random: Random): Curve {
  const band = (): number => random.between(IMAGE_HEIGHT * 0.25, IMAGE_HEIGHT * 0.75);
  return [
    { x: random.between(-10, 20), y: band() },
    { x: random.between(40, 110), y: random.between(0, IMAGE_HEIGHT) },
    { x: random.between(130, 200), y: random.between(0, IMAGE_HEIGHT) },
    { x: random.between(IMAGE_WIDTH - 20, IMAGE_WIDTH + 10), y: band() },
  ];
}

/** A short arc about the size of a glyph stroke, anywhere over the text. */
function fragmentCurve(random: Random, fontSize: number): Curve {
  const start = { x: random.between(10, IMAGE_WIDTH - 10), y: random.between(12, IMAGE_HEIGHT - 12) };
  const reach = fontSize * random.between(0.25, 0.5);
  const angle = random.between(0, 2 * Math.PI);
  const end = { x: start.x + reach * Math.cos(angle), y: start.y + reach * Math.sin(angle) };
  const bend = reach * random.between(0.3, 0.8) * random.sign();
  const control = { x: (start.x + end.x) / 2 - bend * Math.sin(angle), y: (start.y + end.y) / 2 + bend * Math.cos(angle) };
  return [start, control, control, end];
}

function strokePath([p0, p1, p2, p3]: Curve, width: number): string {
  return (
    `<path fill="none" stroke="${INK}" stroke-width="${fmt(width)}" stroke-linecap="round" ` +
    `d="M${fmt(p0.x)} ${fmt(p0.y)}C${fmt(p1.x)} ${fmt(p1.y)} ${fmt(p2.x)} ${fmt(p2.y)} ${fmt(p3.x)} ${fmt(p3.y)}"/>`
  );
}
