import { PNG } from 'pngjs';

export interface DecodedGray {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  /** One gray level per pixel, 0 (black) to 2^bitDepth - 1 (white). */
  readonly levels: Uint8Array;
}

/**
 * Decodes a grayscale PNG with pngjs, a decoder independent of our encoder
 * (it checks CRCs, undoes every row filter, and fails on anything malformed),
 * and maps each pixel back to its gray level at the file's own bit depth.
 */
export function decodeGrayPng(png: Buffer): DecodedGray {
  const image = PNG.sync.read(png);
  const bitDepth = image.depth;
  const colorType = image.colorType;
  if (colorType !== 0) throw new Error(`not a grayscale PNG (color type ${colorType})`);
  const maxLevel = (1 << bitDepth) - 1;
  const levels = new Uint8Array(image.width * image.height);
  // pngjs hands back 8-bit RGBA, gray levels scaled to 0–255.
  for (let pixel = 0; pixel < levels.length; pixel++) levels[pixel] = Math.round(((image.data[pixel * 4] ?? 0) * maxLevel) / 255);
  return { width: image.width, height: image.height, bitDepth, colorType, levels };
}

/** Share of pixels darker than mid-gray. */
export function inkShare(image: DecodedGray): number {
  const mid = ((1 << image.bitDepth) - 1) / 2;
  let ink = 0;
  for (const level of image.levels) if (level < mid) ink++;
  return ink / image.levels.length;
}
