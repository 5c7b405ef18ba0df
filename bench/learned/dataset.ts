/**
 * The learned-attack benchmark's one door into the renderer: labelled
 * captchas drawn exactly as the workers draw them (answer from the CSPRNG,
 * fresh seed, the level's profile, optionally a deployment's style), decoded
 * from the served PNG bytes and written as one raw file per set.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomAnswer } from '../../shared/domain/captcha/alphabet.js';
import { DIFFICULTY_PROFILES, type Difficulty } from '../../shared/domain/render/captcha-svg.js';
import { newSeed } from '../../shared/domain/render/random.js';
import { DEFAULT_STYLE, renderStyleFor, type RenderStyle } from '../../shared/domain/render/render-style.js';
import { renderCaptcha } from '../../shared/domain/render/renderer.js';
import { decodeGrayPng } from './gray-png.js';

export const ANSWER_LENGTH = 6;

/** The style a deployment with some `RENDER_STYLE_SECRET` draws. The secret stays out of it: the style cannot reveal it. */
export interface DeploymentStyle {
  /** For the report, e.g. `style 1 (arc; fira-mono, ibm-plex-mono; slant -4°)`. */
  readonly label: string;
  readonly style: RenderStyle;
}

/** One set of labelled images on disk: `count` images of `height`×`width` bytes, row by row. */
export interface WrittenDataset {
  readonly name: string;
  readonly level: Difficulty;
  /** `default` (the public style) or a deployment style's label. */
  readonly style: string;
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly labels: string[];
}

/** The `index`th deployment style of the run, from the renderer's own `renderStyleFor`. */
export function deploymentStyle(secret: string, index: number): DeploymentStyle {
  if (secret === '') throw new Error('--style-secret needs a non-empty secret (the empty one is the public default style)');
  const style = renderStyleFor(secret);
  return { label: `style ${index} (${style.family}; ${style.fonts.join(', ')}; slant ${style.slantDegrees}°)`, style };
}

const IN_FLIGHT = 4; // resvg rasterizes on libuv's 4 pool threads

/** Renders `count` fresh labelled captchas and writes them to `<dir>/<name>.u8`. */
export async function writeDataset(
  dir: string,
  name: string,
  level: Difficulty,
  count: number,
  deployment?: DeploymentStyle,
): Promise<WrittenDataset> {
  const file = join(dir, `${name}.u8`);
  const fd = openSync(file, 'w');
  const labels: string[] = [];
  let width = 0;
  let height = 0;
  try {
    for (let start = 0; start < count; start += IN_FLIGHT) {
      const answers = Array.from({ length: Math.min(IN_FLIGHT, count - start) }, () => randomAnswer(ANSWER_LENGTH));
      const images = await Promise.all(
        answers.map(async (answer) => {
          const { png } = await renderCaptcha(answer, newSeed(), DIFFICULTY_PROFILES[level], deployment?.style ?? DEFAULT_STYLE);
          return decodeGrayPng(png);
        }),
      );
      for (const image of images) {
        if (width === 0) ({ width, height } = image);
        if (image.width !== width || image.height !== height) throw new Error('captchas of one set differ in size');
        writeSync(fd, image.data);
      }
      labels.push(...answers);
    }
  } finally {
    closeSync(fd);
  }
  return { name, level, style: deployment?.label ?? 'default', file, width, height, labels };
}
