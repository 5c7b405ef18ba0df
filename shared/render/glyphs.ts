import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import opentype from 'opentype.js';

/** One drawing command of a glyph outline, in pixels for a 1 px em, y pointing down. */
export type OutlineCommand =
  | { type: 'M' | 'L'; x: number; y: number }
  | { type: 'Q'; x1: number; y1: number; x: number; y: number }
  | { type: 'C'; x1: number; y1: number; x2: number; y2: number; x: number; y: number }
  | { type: 'Z' };

export interface GlyphOutline {
  readonly commands: readonly OutlineCommand[];
  /** Bounding box centre, so a glyph can be rotated about its middle. */
  readonly centerX: number;
  readonly centerY: number;
  readonly advance: number;
}

/**
 * Outlines come from a font shipped as an npm package and are drawn as SVG
 * paths, so the image never depends on the fonts installed on the host and
 * the rasterizer needs no font at all.
 */
const FONT_FILE = '@fontsource/roboto-mono/files/roboto-mono-latin-700-normal.woff';

let font: opentype.Font | undefined;
const outlines = new Map<string, GlyphOutline>();

function loadFont(): opentype.Font {
  if (!font) {
    const path = createRequire(import.meta.url).resolve(FONT_FILE);
    const data = readFileSync(path);
    font = opentype.parse(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  }
  return font;
}

export function glyphOutline(char: string): GlyphOutline {
  const cached = outlines.get(char);
  if (cached) return cached;
  const loaded = loadFont();
  const glyph = loaded.charToGlyph(char);
  if (glyph.index === 0) throw new RangeError(`the captcha font has no glyph for ${JSON.stringify(char)}`);
  const path = glyph.getPath(0, 0, 1);
  const box = path.getBoundingBox();
  const outline: GlyphOutline = {
    commands: path.commands,
    centerX: (box.x1 + box.x2) / 2,
    centerY: (box.y1 + box.y2) / 2,
    advance: (glyph.advanceWidth ?? loaded.unitsPerEm) / loaded.unitsPerEm,
  };
  outlines.set(char, outline);
  return outline;
}
