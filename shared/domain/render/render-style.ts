import { createHmac } from 'node:crypto';
import { DEFAULT_FONT, FONT_NAMES, type FontName } from './glyphs.js';

/**
 * The shape of the distortion, independent of its strength (the difficulty
 * level sets that):
 * - `wave`: straight line of text bent by a sine warp; long curves and short arcs across it.
 * - `arc`: text along a gentle arc, glyphs leaning with it; wide arcs and small rings.
 * - `steps`: glyphs alternately raised and lowered, rows sheared by a wave; zigzags and dashes.
 * - `bulge`: text swelling and shrinking along the line like a lens; wavy lines and dots.
 */
export type DistortionFamily = 'wave' | 'arc' | 'steps' | 'bulge';

export const DISTORTION_FAMILIES: readonly DistortionFamily[] = ['wave', 'arc', 'steps', 'bulge'];

/**
 * How one deployment's captchas look: the fonts a captcha's glyphs are drawn
 * from and the family of distortion. A solver trained on one style reads
 * another poorly, so each deployment derives its own from a secret.
 */
export interface RenderStyle {
  /** Each captcha is set in one of these, picked per captcha. */
  readonly fonts: readonly FontName[];
  readonly family: DistortionFamily;
  /** Shear of every glyph, in degrees; positive leans right like italics. */
  readonly slantDegrees: number;
}

/** The style anyone can reproduce from the public source: used when no secret is set. */
export const DEFAULT_STYLE: RenderStyle = Object.freeze({ fonts: Object.freeze([DEFAULT_FONT]), family: 'wave', slantDegrees: 0 });

const MAX_SLANT_DEGREES = 10;

/**
 * Derives a deployment's style from its `RENDER_STYLE_SECRET`: the same
 * secret always gives the same style, and nothing about the secret can be
 * read back from the style. An empty secret gives the public default.
 */
export function renderStyleFor(secret: string): RenderStyle {
  if (secret === '') return DEFAULT_STYLE;
  const digest = createHmac('sha256', secret).update('captcha render style v1').digest();
  const family = DISTORTION_FAMILIES[digest[0] % DISTORTION_FAMILIES.length];
  // Two or three distinct fonts, in an order fixed by the digest.
  const pool = [...FONT_NAMES];
  const fonts: FontName[] = [];
  const fontCount = 2 + (digest[1] % 2);
  for (let i = 0; i < fontCount; i++) fonts.push(pool.splice(digest[2 + i] % pool.length, 1)[0]);
  const slantDegrees = Math.round(((digest[6] / 255) * 2 - 1) * MAX_SLANT_DEGREES);
  return Object.freeze({ fonts: Object.freeze(fonts), family, slantDegrees });
}
