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
  /** Height of the font's capital H, in em: fonts are scaled to the same cap height, not the same em. */
  readonly capHeight: number;
}

/**
 * Outlines come from fonts shipped as npm packages (all under the SIL Open
 * Font License) and are drawn as SVG paths, so the image never depends on the
 * fonts installed on the host and the rasterizer needs no font at all. Each
 * is a clear bold face with every character of the answer alphabet.
 */
const FONT_FILES = {
  'roboto-mono': '@fontsource/roboto-mono/files/roboto-mono-latin-700-normal.woff',
  'ibm-plex-mono': '@fontsource/ibm-plex-mono/files/ibm-plex-mono-latin-700-normal.woff',
  'source-code-pro': '@fontsource/source-code-pro/files/source-code-pro-latin-700-normal.woff',
  'fira-mono': '@fontsource/fira-mono/files/fira-mono-latin-700-normal.woff',
  'atkinson-hyperlegible': '@fontsource/atkinson-hyperlegible/files/atkinson-hyperlegible-latin-700-normal.woff',
} as const;

export type FontName = keyof typeof FONT_FILES;

export const FONT_NAMES = Object.keys(FONT_FILES) as FontName[];

export const DEFAULT_FONT: FontName = 'roboto-mono';

interface LoadedFont {
  readonly font: opentype.Font;
  readonly capHeight: number;
  readonly outlines: Map<string, GlyphOutline>;
}

const fonts = new Map<FontName, LoadedFont>();

function loadFont(name: FontName): LoadedFont {
  let loaded = fonts.get(name);
  if (!loaded) {
    const path = createRequire(import.meta.url).resolve(FONT_FILES[name]);
    const data = readFileSync(path);
    const font = opentype.parse(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const box = font.charToGlyph('H').getPath(0, 0, 1).getBoundingBox();
    loaded = { font, capHeight: box.y2 - box.y1, outlines: new Map() };
    fonts.set(name, loaded);
  }
  return loaded;
}

export function glyphOutline(char: string, fontName: FontName = DEFAULT_FONT): GlyphOutline {
  const loaded = loadFont(fontName);
  const cached = loaded.outlines.get(char);
  if (cached) return cached;
  const glyph = loaded.font.charToGlyph(char);
  if (glyph.index === 0) throw new RangeError(`the captcha font ${fontName} has no glyph for ${JSON.stringify(char)}`);
  const path = glyph.getPath(0, 0, 1);
  const box = path.getBoundingBox();
  const outline: GlyphOutline = {
    commands: path.commands,
    centerX: (box.x1 + box.x2) / 2,
    centerY: (box.y1 + box.y2) / 2,
    advance: (glyph.advanceWidth ?? loaded.font.unitsPerEm) / loaded.font.unitsPerEm,
    capHeight: loaded.capHeight,
  };
  loaded.outlines.set(char, outline);
  return outline;
}
