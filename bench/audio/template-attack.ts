import { stretch } from '../../shared/domain/audio/pcm.js';
import type { SpeechClips } from '../../shared/domain/audio/speech-clips.js';

/**
 * The attack of someone who has our source: they build the same speech clips
 * (espeak-ng is deterministic), turn them and the captcha into log-mel
 * spectrograms, slide every clip (every voice, at a few speeds) along the
 * captcha, and read the best-matching, non-overlapping clips in time order.
 * No model to train; the template attack of the image benchmark, for sound.
 */

export interface TemplateSettings {
  /**
   * greedy: the best-matching clips anywhere; segments: first cut the captcha
   * into as many loud stretches as it has characters, then name each one by
   * its best-matching clip.
   */
  readonly search: 'greedy' | 'segments';
  /** Subtract each mel band's mean over the whole captcha: strips steady noise such as the brown rumble. */
  readonly bandMeanNormalise: boolean;
  /** Speeds each clip is tried at (the renderer stretches every character by 0.93 to 1.08). */
  readonly stretches: readonly number[];
}

export const TEMPLATE_SETTINGS: TemplateSettings[] = (['greedy', 'segments'] as const).flatMap((search) =>
  [false, true].flatMap((bandMeanNormalise) => [[1], [0.94, 1, 1.06]].map((stretches) => ({ search, bandMeanNormalise, stretches }))),
);

const FRAME = 200; // 25 ms at 8 kHz
const HOP = 80; // 10 ms
const FFT = 256;
const BANDS = 24;

interface Hit {
  readonly char: string;
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

/**
 * Cuts the captcha into exactly `count` loud stretches: the frame loudness
 * (smoothed over 50 ms) above a threshold, trying thresholds from loud to
 * quiet until the runs of at least 80 ms number `count`. Undefined if none does.
 */
function findSegments(features: Float32Array, frames: number, count: number): { start: number; end: number }[] | undefined {
  const loudness = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let energy = 0;
    for (let band = 0; band < BANDS; band++) energy += Math.exp(features[f * BANDS + band] ?? 0);
    loudness[f] = Math.log(energy);
  }
  const smooth = loudness.map((_, f) => {
    let sum = 0;
    let n = 0;
    for (let k = Math.max(0, f - 2); k <= Math.min(frames - 1, f + 2); k++) {
      sum += loudness[k] ?? 0;
      n++;
    }
    return sum / n;
  });
  const sorted = [...smooth].sort((a, b) => a - b);
  for (let q = 0.95; q >= 0.2; q -= 0.01) {
    const threshold = sorted[Math.floor(q * (sorted.length - 1))] ?? 0;
    const runs: { start: number; end: number }[] = [];
    let start = -1;
    for (let f = 0; f <= frames; f++) {
      const loud = f < frames && (smooth[f] ?? 0) > threshold;
      if (loud && start < 0) start = f;
      if (!loud && start >= 0) {
        if (f - start >= 8) runs.push({ start, end: f });
        start = -1;
      }
    }
    if (runs.length === count) return runs;
    if (runs.length > count) return undefined;
  }
  return undefined;
}

interface Template {
  readonly char: string;
  /** frames × BANDS, row-major, mean removed. */
  readonly features: Float32Array;
  readonly frames: number;
  readonly norm: number;
}

export class TemplateReader {
  private readonly templates: Template[] = [];
  private readonly filters: Float32Array[];

  constructor(
    clips: SpeechClips,
    alphabet: string,
    private readonly settings: TemplateSettings,
  ) {
    this.filters = melFilters(clips.sampleRate);
    for (const char of alphabet) {
      for (const clip of clips.clipsOf(char)) {
        for (const factor of settings.stretches) {
          const spectrogram = this.logMel(stretch(clip, factor));
          const frames = spectrogram.length / BANDS;
          const centred = centre(spectrogram);
          this.templates.push({ char, features: centred, frames, norm: Math.hypot(...centred) });
        }
      }
    }
  }

  /** Reads `length` characters from the samples of one captcha. */
  read(samples: Float32Array, length: number): string {
    let audio = this.logMel(samples);
    const frames = audio.length / BANDS;
    if (this.settings.bandMeanNormalise) audio = subtractBandMeans(audio, frames);
    const segments = this.settings.search === 'segments' ? findSegments(audio, frames, length) : undefined;
    if (segments) {
      return segments.map(({ start, end }) => this.bestMatch(audio, frames, Math.max(0, start - 8), Math.min(frames, end + 8))?.char ?? '').join('');
    }
    // Best correlation of each template at each offset.
    const hits = this.matches(audio, frames, 0, frames);
    // Greedy: the best match, then the best that overlaps no chosen one by more than a fifth, and so on.
    hits.sort((a, b) => b.score - a.score);
    const chosen: typeof hits = [];
    for (const hit of hits) {
      if (chosen.length === length) break;
      const overlaps = chosen.some((c) => Math.min(c.end, hit.end) - Math.max(c.start, hit.start) > 0.2 * Math.min(c.end - c.start, hit.end - hit.start));
      if (!overlaps) chosen.push(hit);
    }
    return chosen
      .sort((a, b) => a.start - b.start)
      .map((hit) => hit.char)
      .join('');
  }

  private bestMatch(audio: Float32Array, frames: number, from: number, to: number): Hit | undefined {
    let best: Hit | undefined;
    for (const hit of this.matches(audio, frames, from, to)) if (!best || hit.score > best.score) best = hit;
    return best;
  }

  /** Correlation of every template at every offset where it fits within frames [from, to). */
  private matches(audio: Float32Array, frames: number, from: number, to: number): Hit[] {
    const hits: Hit[] = [];
    for (const template of this.templates) {
      const n = template.frames * BANDS;
      for (let start = from; start + template.frames <= Math.min(to, frames); start++) {
        const at = start * BANDS;
        let mean = 0;
        for (let i = 0; i < n; i++) mean += audio[at + i] ?? 0;
        mean /= n;
        let dot = 0;
        let energy = 0;
        for (let i = 0; i < n; i++) {
          const value = (audio[at + i] ?? 0) - mean;
          dot += value * (template.features[i] ?? 0);
          energy += value * value;
        }
        const score = dot / (Math.sqrt(energy) * template.norm + 1e-9);
        hits.push({ char: template.char, start, end: start + template.frames, score });
      }
    }
    return hits;
  }

  private logMel(samples: Float32Array): Float32Array {
    const frames = Math.max(0, Math.floor((samples.length - FRAME) / HOP) + 1);
    const out = new Float32Array(frames * BANDS);
    const re = new Float64Array(FFT);
    const im = new Float64Array(FFT);
    for (let f = 0; f < frames; f++) {
      re.fill(0);
      im.fill(0);
      for (let i = 0; i < FRAME; i++) re[i] = (samples[f * HOP + i] ?? 0) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME - 1)));
      fft(re, im);
      this.filters.forEach((filter, band) => {
        let energy = 0;
        for (let k = 0; k < filter.length; k++) energy += (filter[k] ?? 0) * ((re[k] ?? 0) ** 2 + (im[k] ?? 0) ** 2);
        out[f * BANDS + band] = Math.log(energy + 1e-6);
      });
    }
    return out;
  }
}

function centre(values: Float32Array): Float32Array {
  let mean = 0;
  for (const value of values) mean += value;
  mean /= Math.max(1, values.length);
  return values.map((value) => value - mean);
}

function subtractBandMeans(features: Float32Array, frames: number): Float32Array {
  const out = features.slice();
  for (let band = 0; band < BANDS; band++) {
    let mean = 0;
    for (let f = 0; f < frames; f++) mean += features[f * BANDS + band] ?? 0;
    mean /= Math.max(1, frames);
    for (let f = 0; f < frames; f++) out[f * BANDS + band] = (features[f * BANDS + band] ?? 0) - mean;
  }
  return out;
}

/** Triangular mel filters over the FFT bins, 100 Hz to just under the Nyquist frequency. */
function melFilters(rate: number): Float32Array[] {
  const mel = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
  const hz = (m: number): number => 700 * (10 ** (m / 2595) - 1);
  const low = mel(100);
  const high = mel(rate / 2 - 100);
  const edges = Array.from({ length: BANDS + 2 }, (_, i) => (hz(low + ((high - low) * i) / (BANDS + 1)) * FFT) / rate);
  return Array.from({ length: BANDS }, (_, band) => {
    const [left, centreBin, right] = [edges[band] ?? 0, edges[band + 1] ?? 0, edges[band + 2] ?? 0];
    return Float32Array.from({ length: FFT / 2 + 1 }, (_, k) =>
      k <= left || k >= right ? 0 : k <= centreBin ? (k - left) / (centreBin - left) : (right - k) / (right - centreBin),
    );
  });
}

/** In-place radix-2 FFT. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] ?? 0, re[i] ?? 0];
      [im[i], im[j]] = [im[j] ?? 0, im[i] ?? 0];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = (-2 * Math.PI) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const wr = Math.cos(angle * k);
        const wi = Math.sin(angle * k);
        const a = start + k;
        const b = a + size / 2;
        const tr = (re[b] ?? 0) * wr - (im[b] ?? 0) * wi;
        const ti = (re[b] ?? 0) * wi + (im[b] ?? 0) * wr;
        re[b] = (re[a] ?? 0) - tr;
        im[b] = (im[a] ?? 0) - ti;
        re[a] = (re[a] ?? 0) + tr;
        im[a] = (im[a] ?? 0) + ti;
      }
    }
  }
}
