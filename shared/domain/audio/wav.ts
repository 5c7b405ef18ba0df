/**
 * RIFF WAVE files: the µ-law encoding the audio captcha is sent in (G.711,
 * 8 bits a sample: telephone speech at a quarter of 16-bit PCM's size,
 * which every browser plays), and a reader for the PCM and µ-law files the
 * build and the tests handle.
 */

export const WAVE_FORMAT_PCM = 1;
export const WAVE_FORMAT_MULAW = 7;

export interface DecodedWav {
  readonly format: number;
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** The first channel, in [-1, 1]. */
  readonly samples: Float32Array;
  /** Seconds of audio. */
  readonly duration: number;
}

/** Encodes mono samples in [-1, 1] as an 8-bit µ-law WAV file (44 + 14 header bytes, one byte a sample). */
export function encodeMuLawWav(samples: Float32Array, sampleRate: number): Buffer {
  const data = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i];
    const clamped = value > 1 ? 1 : value < -1 ? -1 : value;
    data[i] = MULAW_TABLE[(clamped * 8191 + 8192.5) | 0];
  }
  // Non-PCM formats carry cbSize in "fmt " and a "fact" chunk with the sample count.
  const header = Buffer.alloc(12 + 26 + 12 + 8);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(header.length - 8 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(WAVE_FORMAT_MULAW, 20);
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate, 28); // bytes per second
  header.writeUInt16LE(1, 32); // block align
  header.writeUInt16LE(8, 34); // bits per sample
  header.writeUInt16LE(0, 36); // cbSize
  header.write('fact', 38, 'ascii');
  header.writeUInt32LE(4, 42);
  header.writeUInt32LE(samples.length, 46);
  header.write('data', 50, 'ascii');
  header.writeUInt32LE(data.length, 54);
  return Buffer.concat([header, data]);
}

/**
 * Reads PCM (8 or 16 bits) and µ-law WAV files. A streamed file (espeak-ng
 * writing to a pipe) may give its data length as 0xFFFFFFFF: the data then
 * runs to the end of the file.
 */
export function decodeWav(file: Uint8Array): DecodedWav {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; bitsPerSample: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      fmt = {
        format: bytes.readUInt16LE(body),
        channels: bytes.readUInt16LE(body + 2),
        sampleRate: bytes.readUInt32LE(body + 4),
        bitsPerSample: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAVE data before its format');
      const data = bytes.subarray(body, Math.min(bytes.length, body + size));
      const samples = decodeSamples(data, fmt.format, fmt.bitsPerSample, fmt.channels);
      return { ...fmt, samples, duration: samples.length / fmt.sampleRate };
    }
    at = body + size + (size % 2);
  }
  throw new Error('WAVE file without data');
}

function decodeSamples(data: Buffer, format: number, bits: number, channels: number): Float32Array {
  const width = bits / 8;
  const frames = Math.floor(data.length / (width * channels));
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const at = i * width * channels;
    if (format === WAVE_FORMAT_MULAW && bits === 8) out[i] = muLawToLinear(data[at] ?? 0) / 32768;
    else if (format === WAVE_FORMAT_PCM && bits === 16) out[i] = data.readInt16LE(at) / 32768;
    else if (format === WAVE_FORMAT_PCM && bits === 8) out[i] = ((data[at] ?? 128) - 128) / 128;
    else throw new Error(`unsupported WAVE encoding: format ${format}, ${bits} bits`);
  }
  return out;
}

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

/** µ-law of every 14-bit sample (µ-law keeps 14 bits of magnitude), offset by 8192. */
const MULAW_TABLE = Uint8Array.from({ length: 16385 }, (_, i) => linearToMuLaw((i - 8192) * 4));

/** G.711 µ-law of a 16-bit sample. */
export function linearToMuLaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(MULAW_CLIP, Math.abs(sample)) + MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = sign | (exponent << 4) | mantissa;
  return ~magnitude & 0xff;
}

/** The 16-bit sample a µ-law byte stands for. */
export function muLawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}
