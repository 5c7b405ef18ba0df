import { Resvg } from '@resvg/resvg-js';
import { randomAnswer } from '../../shared/captcha/alphabet.js';
import { DIFFICULTY_PROFILES, IMAGE_HEIGHT, IMAGE_WIDTH, type Difficulty } from '../../shared/render/captcha-svg.js';
import { glyphOutline } from '../../shared/render/glyphs.js';
import { newSeed } from '../../shared/render/random.js';
import { renderCaptcha } from '../../shared/render/renderer.js';

const COLUMNS = 4;
const LABEL = 26;
const GAP = 12;

/** The answer written under a sample, in the captcha font's own outlines (no host font needed). */
function label(text: string, x: number, y: number): string {
  let d = '';
  let pen = x;
  for (const char of text) {
    const outline = glyphOutline(char);
    const size = 20;
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

/** A grid of random samples with their answers, for people to judge readability. */
export async function contactSheet(count: number, level: Difficulty): Promise<Buffer> {
  const rows = Math.ceil(count / COLUMNS);
  const width = COLUMNS * (IMAGE_WIDTH + GAP) + GAP;
  const height = rows * (IMAGE_HEIGHT + LABEL + GAP) + GAP;
  const cells: string[] = [];
  for (let i = 0; i < count; i++) {
    const answer = randomAnswer(6);
    const { png } = await renderCaptcha(answer, newSeed(), DIFFICULTY_PROFILES[level]);
    const x = GAP + (i % COLUMNS) * (IMAGE_WIDTH + GAP);
    const y = GAP + Math.floor(i / COLUMNS) * (IMAGE_HEIGHT + LABEL + GAP);
    cells.push(`<rect x="${x - 1}" y="${y - 1}" width="${IMAGE_WIDTH + 2}" height="${IMAGE_HEIGHT + 2}" fill="#ccc"/>`);
    cells.push(`<image x="${x}" y="${y}" width="${IMAGE_WIDTH}" height="${IMAGE_HEIGHT}" href="data:image/png;base64,${png.toString('base64')}"/>`);
    cells.push(label(answer, x, y + IMAGE_HEIGHT + 21));
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="#fff"/>${cells.join('')}</svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: false } }).render().asPng();
}
