/**
 * Sample-level helpers for mono audio held as Float32Array in [-1, 1]: what
 * the clip build and the audio captcha both need, and nothing more.
 */

/** Root mean square of the samples (0 for none). */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}

/**
 * Band-limited resampling (windowed-sinc interpolation). Going down, the
 * kernel low-passes below the new Nyquist frequency, so 22 kHz speech comes
 * down to 8 kHz without aliasing hiss.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number, halfWidth = 16): Float32Array {
  if (fromRate === toRate) return samples.slice();
  const step = fromRate / toRate;
  // Cut a little under the lower Nyquist frequency, in input samples.
  const cutoff = 0.92 * Math.min(1, toRate / fromRate) * 0.5;
  const reach = Math.ceil(halfWidth / (2 * cutoff));
  const out = new Float32Array(Math.floor(samples.length / step));
  for (let n = 0; n < out.length; n++) {
    const at = n * step;
    const first = Math.max(0, Math.ceil(at - reach));
    const last = Math.min(samples.length - 1, Math.floor(at + reach));
    let sum = 0;
    for (let k = first; k <= last; k++) {
      const x = at - k;
      const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / (reach + 1)); // Hann
      sum += (samples[k] ?? 0) * 2 * cutoff * sinc(2 * cutoff * x) * window;
    }
    out[n] = sum;
  }
  return out;
}

function sinc(x: number): number {
  return x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
}

/**
 * Stretches or squeezes a clip by `factor` (1.1 = 10% longer and lower) by
 * linear interpolation: a cheap joint change of speed and pitch, for small
 * factors only.
 */
export function stretch(samples: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(Math.max(1, Math.round(samples.length * factor)));
  const last = samples.length - 1;
  for (let n = 0; n < out.length; n++) {
    const at = Math.min(last, n / factor);
    const i = Math.floor(at);
    const frac = at - i;
    out[n] = (samples[i] ?? 0) * (1 - frac) + (samples[Math.min(last, i + 1)] ?? 0) * frac;
  }
  return out;
}

/**
 * Cuts leading and trailing silence: everything before the first and after
 * the last 10 ms frame whose RMS reaches `threshold` of the loudest frame's
 * (-46 dB by default: a final /f/ or /s/ sits 30 dB under the vowel),
 * keeping `padMs` either side so soft onsets and releases survive.
 */
export function trimSilence(samples: Float32Array, sampleRate: number, threshold = 0.005, padMs = 15): Float32Array {
  const frame = Math.max(1, Math.round(sampleRate / 100));
  const levels: number[] = [];
  for (let at = 0; at < samples.length; at += frame) levels.push(rms(samples.subarray(at, at + frame)));
  const loudest = Math.max(0, ...levels);
  if (loudest === 0) return new Float32Array(0);
  const first = levels.findIndex((level) => level >= threshold * loudest);
  const last = levels.length - 1 - [...levels].reverse().findIndex((level) => level >= threshold * loudest);
  const pad = Math.round((padMs / 1000) * sampleRate);
  return samples.slice(Math.max(0, first * frame - pad), Math.min(samples.length, (last + 1) * frame + pad));
}

/**
 * Evens out loud vowels and soft consonants (a slow envelope follower, and a
 * gain of (envelope / peak)^-amount, at most `maxGainDb`), so that the
 * consonants that tell letter names apart still stand above background noise.
 */
export function compress(samples: Float32Array, sampleRate: number, amount = 0.5, maxGainDb = 18): Float32Array {
  const attack = Math.exp(-1 / (0.005 * sampleRate));
  const release = Math.exp(-1 / (0.04 * sampleRate));
  const envelope = new Float32Array(samples.length);
  let level = 0;
  samples.forEach((sample, i) => {
    const magnitude = Math.abs(sample);
    const coefficient = magnitude > level ? attack : release;
    level = coefficient * level + (1 - coefficient) * magnitude;
    envelope[i] = level;
  });
  let peak = 0;
  for (const value of envelope) peak = Math.max(peak, value);
  if (peak === 0) return samples.slice();
  const maxGain = 10 ** (maxGainDb / 20);
  return samples.map((sample, i) => sample * Math.min(maxGain, ((envelope[i] ?? 0) / peak + 1e-9) ** -amount));
}

/** Scales the samples so their RMS is `target`, then clips any peak to ±1. */
export function normalise(samples: Float32Array, target: number): Float32Array {
  const level = rms(samples);
  const gain = level > 0 ? target / level : 0;
  return samples.map((sample) => Math.max(-1, Math.min(1, sample * gain)));
}

/** Short linear fades at both ends, so a clip starts and stops without a click. */
export function fadeEdges(samples: Float32Array, sampleRate: number, fadeMs = 8): Float32Array {
  const out = samples.slice();
  const length = Math.min(Math.floor(out.length / 2), Math.round((fadeMs / 1000) * sampleRate));
  for (let i = 0; i < length; i++) {
    const gain = i / length;
    out[i] = (out[i] ?? 0) * gain;
    out[out.length - 1 - i] = (out[out.length - 1 - i] ?? 0) * gain;
  }
  return out;
}

/** 16-bit little-endian signed PCM, the clips' storage format. */
export function toInt16(samples: Float32Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, i) => out.writeInt16LE(Math.round(Math.max(-1, Math.min(1, sample)) * 32767), i * 2));
  return out;
}

export function fromInt16(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}
