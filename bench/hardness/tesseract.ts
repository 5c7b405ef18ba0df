import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binarize, median3, toGray, upscale, writePgm, type GrayImage } from './gray-image.js';

export type Preprocess = 'raw' | 'upscale+binarize' | 'upscale+binarize+median';

export interface TesseractConfig {
  readonly psm: 7 | 8 | 13;
  readonly preprocess: Preprocess;
}

export const TESSERACT_CONFIGS: TesseractConfig[] = (['raw', 'upscale+binarize', 'upscale+binarize+median'] as const).flatMap((preprocess) =>
  ([7, 8, 13] as const).map((psm) => ({ psm, preprocess })),
);

export function tesseractAvailable(): boolean {
  return spawnSync('tesseract', ['--version'], { stdio: 'ignore' }).status === 0;
}

function prepare(image: GrayImage, preprocess: Preprocess): GrayImage {
  if (preprocess === 'raw') return image;
  const cleaned = toGray(binarize(upscale(image, 3)));
  return preprocess === 'upscale+binarize+median' ? median3(cleaned) : cleaned;
}

/** Reads every image with one tesseract process (a page per image), whitelisting the alphabet. */
export function tesseractRead(images: GrayImage[], config: TesseractConfig, alphabet: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'captcha-ocr-'));
  const files = images.map((image, i) => {
    const file = join(dir, `${i}.pgm`);
    writePgm(file, prepare(image, config.preprocess));
    return file;
  });
  writeFileSync(join(dir, 'list.txt'), `${files.join('\n')}\n`);
  const result = spawnSync(
    'tesseract',
    [join(dir, 'list.txt'), 'stdout', '--psm', String(config.psm), '-c', `tessedit_char_whitelist=${alphabet}`],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const pages = result.stdout.split('\f');
  return images.map((_, i) => (pages[i] ?? '').replace(/\s+/g, ''));
}
