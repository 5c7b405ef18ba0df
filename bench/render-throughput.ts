import { Resvg } from '@resvg/resvg-js';
import svgCaptcha from 'svg-captcha';
import { randomAnswer } from '../shared/domain/captcha/alphabet.js';
import { newSeed } from '../shared/domain/render/random.js';
import { renderCaptcha } from '../shared/domain/render/renderer.js';

export interface RenderFigure {
  readonly name: string;
  /** Images per second of CPU time (all threads of the process): per core. */
  readonly perCore: number;
  readonly bytes: number;
}

async function cpuSecondsOf(work: () => Promise<number>): Promise<{ seconds: number; bytes: number }> {
  const before = process.cpuUsage();
  const bytes = await work();
  const used = process.cpuUsage(before);
  return { seconds: (used.user + used.system) / 1e6, bytes };
}

/** Our renderer against svg-captcha + resvg at the same size, in the same process and run. */
export async function renderThroughput(count: number): Promise<RenderFigure[]> {
  const ours = await cpuSecondsOf(async () => {
    let bytes = 0;
    for (let done = 0; done < count; done += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => renderCaptcha(randomAnswer(6), newSeed())));
      for (const { png } of batch) bytes += png.length;
    }
    return bytes;
  });
  const baseline = await cpuSecondsOf(() => {
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const { data } = svgCaptcha.create({ size: 6, width: 240, height: 80 });
      bytes += new Resvg(data, { font: { loadSystemFonts: false } }).render().asPng().length;
    }
    return Promise.resolve(bytes);
  });
  return [
    { name: 'this project (SVG paths → resvg → 2-bit gray PNG)', perCore: count / ours.seconds, bytes: ours.bytes / count },
    { name: 'svg-captcha + @resvg/resvg-js (RGBA PNG)', perCore: count / baseline.seconds, bytes: baseline.bytes / count },
  ];
}
