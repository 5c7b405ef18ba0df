import { renderAsync } from '@resvg/resvg-js';
import { captchaSvg, DEFAULT_PROFILE, type DistortionProfile } from './captcha-svg.js';
import { encodeGrayPng } from './gray-png.js';
import { seededRandom } from './random.js';
import { DEFAULT_STYLE, type RenderStyle } from './render-style.js';

export interface RenderedCaptcha {
  readonly svg: string;
  readonly png: Buffer;
}

/** The rasterizer settings of every captcha; the legibility measures use the same. */
export const RESVG_OPTIONS = {
  // Glyphs are already paths: no font is needed, and scanning system fonts costs ~5 ms an image.
  font: { loadSystemFonts: false },
  fitTo: { mode: 'original' as const },
  background: '#ffffff',
};

/**
 * Renders one captcha. The same answer, seed, profile and style give the same
 * bytes. resvg's renderAsync rasterizes on libuv's thread pool, so a worker's
 * event loop (which renews BullMQ's job locks) only builds the SVG and packs
 * the PNG.
 */
export async function renderCaptcha(
  answer: string,
  seed: Uint8Array,
  profile: DistortionProfile = DEFAULT_PROFILE,
  style: RenderStyle = DEFAULT_STYLE,
): Promise<RenderedCaptcha> {
  const svg = captchaSvg(answer, seededRandom(seed), profile, style);
  const image = await renderAsync(svg, RESVG_OPTIONS);
  return { svg, png: encodeGrayPng(image.pixels, image.width, image.height) };
}
