import { ALPHABET } from '../captcha/alphabet.js';
import { fromInt16 } from './pcm.js';

/**
 * Every answer character spoken by a few voices, as `npm run build` makes
 * them with espeak-ng (scripts/build-audio-clips.ts): trimmed, level, mono
 * and at one low sample rate. Stored as one raw 16-bit PCM file and a JSON
 * manifest of where each clip sits in it.
 */
export interface SpeechClips {
  readonly sampleRate: number;
  readonly voices: readonly string[];
  /** The clips of one character, one per voice (never empty for a character of the alphabet). */
  clipsOf(char: string): readonly Float32Array[];
  /** Every clip, of every character and voice. */
  readonly all: readonly Float32Array[];
}

export const CLIPS_MANIFEST = 'clips.json';
export const CLIPS_PCM = 'clips.pcm';
export const CLIPS_FORMAT_VERSION = 1;

/** Where one clip sits in the PCM file, in samples. */
export interface ClipEntry {
  readonly char: string;
  readonly voice: number;
  readonly offset: number;
  readonly samples: number;
}

export interface ClipsManifest {
  readonly version: typeof CLIPS_FORMAT_VERSION;
  /** Hash of what the clips were built from, so a build can skip unchanged clips. */
  readonly source: string;
  readonly sampleRate: number;
  readonly encoding: 's16le';
  readonly voices: readonly string[];
  readonly clips: readonly ClipEntry[];
}

/** Checks a manifest and its PCM file and indexes the clips; throws on anything inconsistent. */
export function parseSpeechClips(manifest: unknown, pcm: Uint8Array): SpeechClips {
  const m = (typeof manifest === 'object' && manifest !== null ? manifest : {}) as Record<string, unknown>;
  const { clips, voices, sampleRate } = m;
  if (m.version !== CLIPS_FORMAT_VERSION || m.encoding !== 's16le' || !isArray(clips) || !isArray(voices)) {
    throw new Error('speech clips: unknown manifest format (run `npm run build`)');
  }
  if (typeof sampleRate !== 'number' || !(sampleRate >= 4000 && sampleRate <= 48_000)) throw new Error('speech clips: bad sample rate');
  const all = fromInt16(pcm);
  const byChar = new Map<string, Float32Array[]>();
  const every: Float32Array[] = [];
  for (const clip of clips) {
    const { char, offset, samples } = (clip ?? {}) as Partial<Record<keyof ClipEntry, unknown>>;
    if (typeof char !== 'string' || typeof offset !== 'number' || typeof samples !== 'number') throw new Error('speech clips: malformed clip entry');
    if (offset < 0 || samples <= 0 || offset + samples > all.length) throw new Error(`speech clips: clip of ${char} lies outside the PCM file`);
    const list = byChar.get(char) ?? [];
    const audio = all.subarray(offset, offset + samples);
    list.push(audio);
    every.push(audio);
    byChar.set(char, list);
  }
  const missing = [...ALPHABET].filter((char) => !byChar.has(char));
  if (missing.length > 0) throw new Error(`speech clips: no clip for ${missing.join(' ')} (run \`npm run build\`)`);
  return {
    sampleRate,
    voices: voices.map(String),
    clipsOf: (char) => byChar.get(char.toUpperCase()) ?? [],
    all: every,
  };
}

function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}
