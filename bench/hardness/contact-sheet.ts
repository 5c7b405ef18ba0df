import { Resvg } from '@resvg/resvg-js';
import { randomAnswer } from '../../shared/domain/captcha/alphabet.js';
import { DIFFICULTY_PROFILES, IMAGE_HEIGHT, IMAGE_WIDTH, type Difficulty } from '../../shared/domain/render/captcha-svg.js';
import { glyphOutline } from '../../shared/domain/render/glyphs.js';
import { newSeed } from '../../shared/domain/render/random.js';
import { DEFAULT_STYLE, type RenderStyle } from '../../shared/domain/render/render-style.js';
import { renderCaptcha } from '../../shared/domain/render/renderer.js';

const COLUMNS = 4;
const LABEL = 26;
const GAP = 12;

/** Text in the default captcha font's own outlines (no host font needed). */
function label(text: string, x: number, y: number, size = 20): string {
  let d = '';
  let pen = x;
  for (const char of text) {
    if (char === ' ') {
      pen += glyphOutline('n').advance * size;
      continue;
    }
    const outline = glyphOutline(char);
    for (const c of outline.commands) {
      const p = (px: number, py: number): string => `${(pen + px * size).toFixed(1)} ${(y + py * size).toFixed(1)}`;
      if (c.type === 'M' || c.type === 'L') d += `${c.type}${p(c.x, c.y)}`;
      else if (c.type === 'Q') d += `Q${p(c.x1, c.y1)} ${p(c.x, c.y)}`;
      else if (c.type === 'C') d += `C${p(c.x1, c.y1)} ${p(c.x2, c.y2)} ${p(c.x, c.y)}`;
      else d += 'Z';
    }
    pen += outline.advance * size;
  }
  return `<path fill="#1a5fb4" d="${d}"/>`;
}

function cell(png: Buffer, x: number, y: number): string {
  return (
    `<rect x="${x - 1}" y="${y - 1}" width="${IMAGE_WIDTH + 2}" height="${IMAGE_HEIGHT + 2}" fill="#ccc"/>` +
    `<image x="${x}" y="${y}" width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" href="data:image/png;base64,${png.toString('base64')}"/>`
  );
}

function sheet(width: number, height: number, cells: readonly string[]): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="#fff"/>${cells.join('')}</svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: false } }).render().asPng();
}

export interface ContactSheetOptions {
  readonly style?: RenderStyle;
  /** Write each answer under its image (the default); off for a blind reading test. */
  readonly labels?: boolean;
  /** The answers to draw, one per image; fresh random ones when absent. */
  readonly answers?: readonly string[];
}

/** A grid of random samples at one level, with their answers, for people to judge readability. */
export async function contactSheet(count: number, level: Difficulty, options: ContactSheetOptions = {}): Promise<Buffer> {
  const labelHeight = options.labels === false ? 0 : LABEL;
  const rows = Math.ceil(count / COLUMNS);
  const width = COLUMNS * (IMAGE_WIDTH + GAP) + GAP;
  const height = rows * (IMAGE_HEIGHT + labelHeight + GAP) + GAP;
  const cells: string[] = [];
  for (let i = 0; i < count; i++) {
    const answer = options.answers?.[i] ?? randomAnswer(6);
    const { png } = await renderCaptcha(answer, newSeed(), DIFFICULTY_PROFILES[level], options.style ?? DEFAULT_STYLE);
    const x = GAP + (i % COLUMNS) * (IMAGE_WIDTH + GAP);
    const y = GAP + Math.floor(i / COLUMNS) * (IMAGE_HEIGHT + labelHeight + GAP);
    cells.push(cell(png, x, y));
    if (labelHeight > 0) cells.push(label(answer, x, y + IMAGE_HEIGHT + 21));
  }
  return sheet(width, height, cells);
}

/** One row per style (named above it), at one level: how deployments with different secrets differ. */
export async function styleSheet(styles: readonly RenderStyle[], level: Difficulty): Promise<Buffer> {
  const heading = 22;
  const rowHeight = heading + IMAGE_HEIGHT + LABEL + GAP;
  const width = COLUMNS * (IMAGE_WIDTH + GAP) + GAP;
  const cells: string[] = [];
  for (const [row, style] of styles.entries()) {
    const top = GAP + row * rowHeight;
    cells.push(label(`${style.family}, ${style.fonts.join(' + ')}, slant ${style.slantDegrees}`, GAP, top + 14, 15));
    for (let column = 0; column < COLUMNS; column++) {
      const answer = randomAnswer(6);
      // One font per image: cycle through the style's fonts so each shows.
      const single: RenderStyle = { ...style, fonts: [style.fonts[column % style.fonts.length] ?? DEFAULT_STYLE.fonts[0]] };
      const { png } = await renderCaptcha(answer, newSeed(), DIFFICULTY_PROFILES[level], single);
      const x = GAP + column * (IMAGE_WIDTH + GAP);
      cells.push(cell(png, x, top + heading));
      cells.push(label(answer, x, top + heading + IMAGE_HEIGHT + 21));
    }
  }
  return sheet(width, styles.length * rowHeight + GAP, cells);
}
