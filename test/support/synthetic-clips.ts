import { ALPHABET } from '../../shared/domain/captcha/alphabet.js';
import { toInt16 } from '../../shared/domain/audio/pcm.js';
import { CLIPS_FORMAT_VERSION, parseSpeechClips, type ClipEntry, type ClipsManifest, type SpeechClips } from '../../shared/domain/audio/speech-clips.js';

export const SYNTHETIC_RATE = 8000;
export const SYNTHETIC_CLIP_SECONDS = 0.3;

/** A tone per character and voice (no espeak-ng needed): unit tests of the audio captcha run on these. */
export function toneOf(char: string, voice: number): number {
  return 300 + 40 * ALPHABET.indexOf(char) + 7 * voice;
}

export function syntheticClipFiles(voices = 2): { manifest: ClipsManifest; pcm: Buffer } {
  const length = Math.round(SYNTHETIC_CLIP_SECONDS * SYNTHETIC_RATE);
  const clips: ClipEntry[] = [];
  const parts: Buffer[] = [];
  for (const char of ALPHABET) {
    for (let voice = 0; voice < voices; voice++) {
      const tone = Float32Array.from({ length }, (_, i) => 0.2 * Math.sin((2 * Math.PI * toneOf(char, voice) * i) / SYNTHETIC_RATE));
      clips.push({ char, voice, offset: clips.length * length, samples: length });
      parts.push(toInt16(tone));
    }
  }
  const manifest: ClipsManifest = {
    version: CLIPS_FORMAT_VERSION,
    source: 'synthetic',
    sampleRate: SYNTHETIC_RATE,
    encoding: 's16le',
    voices: Array.from({ length: voices }, (_, i) => `tone${i}`),
    clips,
  };
  return { manifest, pcm: Buffer.concat(parts) };
}

export function syntheticClips(voices = 2): SpeechClips {
  const { manifest, pcm } = syntheticClipFiles(voices);
  return parseSpeechClips(manifest, pcm);
}
