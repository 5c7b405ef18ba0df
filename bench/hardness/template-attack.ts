import { binarize, open, rasterize, type GrayImage } from './gray-image.js';

/**
 * The attack of someone who has our source code: they know the alphabet and
 * the font, render reference glyphs at several rotations, cut the image into
 * characters (connected components or equal column slots), and match each
 * piece against the references. Stroke-removal (morphological opening) is
 * tuned on labelled samples, which the attacker can render at will.
 */
type Command = { type: string; x?: number; y?: number; x1?: number; y1?: number; x2?: number; y2?: number };

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const SIZE = 16;
const ROTATIONS = [-30, -20, -10, 0, 10, 20, 30];

function pathData(commands: readonly Command[]): string {
  return commands
    .map((c) => {
      switch (c.type) {
        case 'M':
        case 'L':
          return `${c.type}${c.x ?? 0} ${c.y ?? 0}`;
        case 'Q':
          return `Q${c.x1 ?? 0} ${c.y1 ?? 0} ${c.x ?? 0} ${c.y ?? 0}`;
        case 'C':
          return `C${c.x1 ?? 0} ${c.y1 ?? 0} ${c.x2 ?? 0} ${c.y2 ?? 0} ${c.x ?? 0} ${c.y ?? 0}`;
        default:
          return 'Z';
      }
    })
    .join('');
}

function inkBox(binary: GrayImage, within: Box = { x0: 0, y0: 0, x1: binary.width - 1, y1: binary.height - 1 }): Box | undefined {
  let box: Box | undefined;
  for (let y = within.y0; y <= within.y1; y++) {
    for (let x = within.x0; x <= within.x1; x++) {
      if (binary.data[y * binary.width + x]) {
        if (!box) box = { x0: x, y0: y, x1: x, y1: y };
        else {
          box.x0 = Math.min(box.x0, x);
          box.x1 = Math.max(box.x1, x);
          box.y0 = Math.min(box.y0, y);
          box.y1 = Math.max(box.y1, y);
        }
      }
    }
  }
  return box;
}

/**
 * The piece stretched to SIZE×SIZE by area averaging (each cell holds the
 * share of ink under it), so scale, aspect and stroke weight matter little.
 */
function normalize(binary: GrayImage, box: Box): Float32Array {
  const out = new Float32Array(SIZE * SIZE);
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const counts = new Float32Array(SIZE * SIZE);
  for (let y = box.y0; y <= box.y1; y++) {
    const cy = Math.min(SIZE - 1, Math.floor(((y - box.y0) * SIZE) / h));
    for (let x = box.x0; x <= box.x1; x++) {
      const cell = cy * SIZE + Math.min(SIZE - 1, Math.floor(((x - box.x0) * SIZE) / w));
      out[cell] = (out[cell] ?? 0) + (binary.data[y * binary.width + x] ?? 0);
      counts[cell] = (counts[cell] ?? 0) + 1;
    }
  }
  // Cells no pixel fell into (a piece narrower than SIZE) borrow their left neighbour.
  for (let i = 0; i < out.length; i++) out[i] = (counts[i] ?? 0) > 0 ? (out[i] ?? 0) / (counts[i] ?? 1) : i % SIZE > 0 ? (out[i - 1] ?? 0) : 0;
  // Centre and scale, so the score below is a correlation.
  let mean = 0;
  for (const v of out) mean += v;
  mean /= out.length;
  let norm = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = (out[i] ?? 0) - mean;
    norm += (out[i] ?? 0) ** 2;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}

function correlation(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

export interface Templates {
  readonly entries: { char: string; bitmap: Float32Array }[];
}

/** Reference bitmaps of every character at every rotation, from the font's own outlines. */
export function buildTemplates(alphabet: string, outline: (char: string) => readonly Command[]): Templates {
  const entries: { char: string; bitmap: Float32Array }[] = [];
  for (const char of alphabet) {
    const d = pathData(outline(char));
    for (const angle of ROTATIONS) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160"><rect width="160" height="160" fill="#fff"/><path fill="#000" transform="translate(80 110) rotate(${angle}) scale(70)" d="${d}"/></svg>`;
      const binary = binarize(rasterize(svg), 127);
      const box = inkBox(binary);
      if (box) entries.push({ char, bitmap: normalize(binary, box) });
    }
  }
  return { entries };
}

/**
 * Shrinks a box to the rows and columns that carry real ink, so a thin noise
 * line running through a slot does not stretch the glyph's bounding box.
 */
function trim(binary: GrayImage, box: Box): Box {
  const rows: number[] = [];
  for (let y = box.y0; y <= box.y1; y++) {
    let n = 0;
    for (let x = box.x0; x <= box.x1; x++) n += binary.data[y * binary.width + x] ?? 0;
    rows.push(n);
  }
  const rowFloor = Math.max(2, 0.15 * Math.max(...rows));
  const firstRow = rows.findIndex((n) => n >= rowFloor);
  const lastRow = rows.length - 1 - [...rows].reverse().findIndex((n) => n >= rowFloor);
  if (firstRow < 0) return box;
  const y0 = box.y0 + firstRow;
  const y1 = box.y0 + lastRow;
  const columns: number[] = [];
  for (let x = box.x0; x <= box.x1; x++) {
    let n = 0;
    for (let y = y0; y <= y1; y++) n += binary.data[y * binary.width + x] ?? 0;
    columns.push(n);
  }
  const firstColumn = columns.findIndex((n) => n >= 3);
  const lastColumn = columns.length - 1 - [...columns].reverse().findIndex((n) => n >= 3);
  if (firstColumn < 0) return { ...box, y0, y1 };
  return { x0: box.x0 + firstColumn, x1: box.x0 + lastColumn, y0, y1 };
}

function classify(binary: GrayImage, box: Box, templates: Templates): { char: string; score: number } {
  const piece = normalize(binary, trim(binary, box));
  let best = { char: '?', score: -1 };
  for (const { char, bitmap } of templates.entries) {
    const score = correlation(piece, bitmap);
    if (score > best.score) best = { char, score };
  }
  return best;
}

function equalSlots(binary: GrayImage, count: number): Box[] {
  const full = inkBox(binary);
  if (!full) return [];
  // The text's extent: columns with real ink, so a thin line across the image does not widen it.
  const all = trim(binary, full);
  const slot = (all.x1 - all.x0 + 1) / count;
  const boxes: Box[] = [];
  for (let i = 0; i < count; i++) {
    const x0 = Math.floor(all.x0 + i * slot);
    const x1 = Math.min(all.x1, Math.floor(all.x0 + (i + 1) * slot) - 1);
    const box = inkBox(binary, { x0, y0: 0, x1, y1: binary.height - 1 });
    if (box) boxes.push(box);
  }
  return boxes;
}

function connectedComponents(binary: GrayImage, count: number): Box[] {
  const { width, height } = binary;
  const seen = new Uint8Array(width * height);
  const found: (Box & { area: number })[] = [];
  const stack: number[] = [];
  for (let start = 0; start < seen.length; start++) {
    if (!binary.data[start] || seen[start]) continue;
    const box = { x0: width, y0: height, x1: 0, y1: 0, area: 0 };
    stack.push(start);
    seen[start] = 1;
    while (stack.length > 0) {
      const at = stack.pop() ?? 0;
      const x = at % width;
      const y = Math.floor(at / width);
      box.area++;
      box.x0 = Math.min(box.x0, x);
      box.x1 = Math.max(box.x1, x);
      box.y0 = Math.min(box.y0, y);
      box.y1 = Math.max(box.y1, y);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const next = ny * width + nx;
          if (binary.data[next] && !seen[next]) {
            seen[next] = 1;
            stack.push(next);
          }
        }
      }
    }
    if (box.area >= 25) found.push(box);
  }
  found.sort((a, b) => b.area - a.area);
  const pieces: Box[] = found.slice(0, count);
  // Touching glyphs come out as one wide component: split the widest until there are enough.
  while (pieces.length > 0 && pieces.length < count) {
    pieces.sort((a, b) => b.x1 - b.x0 - (a.x1 - a.x0));
    const widest = pieces[0];
    if (!widest || widest.x1 - widest.x0 < 3) break; // nothing left worth splitting
    pieces.shift();
    const mid = Math.floor((widest.x0 + widest.x1) / 2);
    for (const half of [{ ...widest, x1: mid }, { ...widest, x0: mid + 1 }]) {
      const box = inkBox(binary, half);
      if (box) pieces.push(box);
    }
  }
  return pieces.sort((a, b) => a.x0 - b.x0);
}

export interface AttackSettings {
  readonly openingRadius: number;
  /** Gray level at or below which a pixel is ink; undefined: Otsu's. */
  readonly threshold: number | undefined;
}

/** Every setting the attacker tries on labelled samples before attacking. */
export const ATTACK_SETTINGS: AttackSettings[] = [undefined, 150, 200, 235].flatMap((threshold) =>
  [0, 1, 2, 3].map((openingRadius) => ({ openingRadius, threshold })),
);

/** Reads one image; returns the attacker's best guess. */
export function readCaptcha(image: GrayImage, length: number, templates: Templates, settings: AttackSettings): string {
  const cleaned = open(settings.threshold === undefined ? binarize(image) : binarize(image, settings.threshold), settings.openingRadius);
  let bestGuess = '';
  let bestScore = -1;
  for (const boxes of [equalSlots(cleaned, length), connectedComponents(cleaned, length)]) {
    if (boxes.length === 0) continue;
    const reads = boxes.map((box) => classify(cleaned, box, templates));
    const score = reads.reduce((sum, read) => sum + read.score, 0) / length;
    if (score > bestScore) {
      bestScore = score;
      bestGuess = reads.map((read) => read.char).join('');
    }
  }
  return bestGuess;
}
