import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

/** An 8-bit grayscale image: 0 is black ink, 255 white paper. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function rasterize(svg: string, width?: number): GrayImage {
  const image = new Resvg(svg, { font: { loadSystemFonts: false }, background: '#ffffff', ...(width ? { fitTo: { mode: 'width' as const, value: width } } : {}) }).render();
  const rgba = image.pixels;
  const data = new Uint8Array(image.width * image.height);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.round(0.299 * (rgba[i * 4] ?? 255) + 0.587 * (rgba[i * 4 + 1] ?? 255) + 0.114 * (rgba[i * 4 + 2] ?? 255));
  }
  return { width: image.width, height: image.height, data };
}

/** Otsu's threshold: the gray level that best splits ink from paper. */
export function otsu(image: GrayImage): number {
  const histogram = new Array<number>(256).fill(0);
  for (const value of image.data) histogram[value] = (histogram[value] ?? 0) + 1;
  const total = image.data.length;
  let sum = 0;
  for (let i = 0; i < 256; i++) sum += i * (histogram[i] ?? 0);
  let sumBackground = 0;
  let weightBackground = 0;
  let best = 0;
  let threshold = 127;
  for (let t = 0; t < 256; t++) {
    weightBackground += histogram[t] ?? 0;
    if (weightBackground === 0) continue;
    const weightForeground = total - weightBackground;
    if (weightForeground === 0) break;
    sumBackground += t * (histogram[t] ?? 0);
    const meanBackground = sumBackground / weightBackground;
    const meanForeground = (sum - sumBackground) / weightForeground;
    const between = weightBackground * weightForeground * (meanBackground - meanForeground) ** 2;
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}

/** 1 for ink, 0 for paper. */
export function binarize(image: GrayImage, threshold = otsu(image)): GrayImage {
  return { ...image, data: image.data.map((value) => (value <= threshold ? 1 : 0)) };
}

/** Back to a printable grayscale picture (black ink on white). */
export function toGray(binary: GrayImage): GrayImage {
  return { ...binary, data: binary.data.map((bit) => (bit ? 0 : 255)) };
}

export function upscale(image: GrayImage, factor: number): GrayImage {
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = image.data[Math.floor(y / factor) * image.width + Math.floor(x / factor)] ?? 255;
  }
  return { width, height, data };
}

/** 3×3 median: removes salt-and-pepper specks and hairlines. */
export function median3(image: GrayImage): GrayImage {
  const { width, height } = image;
  const data = new Uint8Array(image.data);
  const window: number[] = [];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      window.length = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) window.push(image.data[(y + dy) * width + x + dx] ?? 0);
      window.sort((a, b) => a - b);
      data[y * width + x] = window[4] ?? 0;
    }
  }
  return { width, height, data };
}

function morph(binary: GrayImage, radius: number, erode: boolean): GrayImage {
  const { width, height } = binary;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let hit = erode ? 1 : 0;
      for (let dy = -radius; dy <= radius && hit === (erode ? 1 : 0); dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const v = binary.data[Math.min(height - 1, Math.max(0, y + dy)) * width + Math.min(width - 1, Math.max(0, x + dx))] ?? 0;
          if (erode && v === 0) {
            hit = 0;
            break;
          }
          if (!erode && v === 1) {
            hit = 1;
            break;
          }
        }
      }
      data[y * width + x] = hit;
    }
  }
  return { width, height, data };
}

/** Morphological opening: strokes thinner than 2·radius+1 vanish, thick glyph strokes stay. */
export function open(binary: GrayImage, radius: number): GrayImage {
  return radius === 0 ? binary : morph(morph(binary, radius, true), radius, false);
}

export function writePgm(path: string, image: GrayImage): void {
  writeFileSync(path, Buffer.concat([Buffer.from(`P5\n${image.width} ${image.height}\n255\n`), Buffer.from(image.data)]));
}
