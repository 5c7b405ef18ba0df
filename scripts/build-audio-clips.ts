/**
 * Part of `npm run build`: speaks every answer character with Debian's
 * espeak-ng (offline, no service is ever called) in a few voices, and writes
 * the clips the audio captcha is made of to dist/audio/ (see
 * shared/domain/audio/speech-clips.ts). Unchanged inputs skip the work.
 *
 * Usage: node dist/scripts/build-audio-clips.js [output dir]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALPHABET } from '../shared/domain/captcha/alphabet.js';
import { compress, fadeEdges, normalise, resample, toInt16, trimSilence } from '../shared/domain/audio/pcm.js';
import { CLIPS_FORMAT_VERSION, CLIPS_MANIFEST, CLIPS_PCM, type ClipEntry, type ClipsManifest } from '../shared/domain/audio/speech-clips.js';
import { decodeWav } from '../shared/domain/audio/wav.js';
import { projectRoot } from '../shared/runtime/project-root.js';
import { isMainModule } from '../shared/runtime/run-service.js';

/** Telephone band: letter names stay clear, and a clip costs 8 KB a second before µ-law halves it. */
const SAMPLE_RATE = 8000;
/** Level every clip is brought to (RMS), with headroom for the noise mixed in later. */
const CLIP_RMS = 0.14;
/**
 * Plain letter names in three clear voices; a little slower than espeak's
 * default 175 words a minute so that short names (C, E, P, T, V) keep
 * their consonants.
 */
const VOICES: readonly { readonly voice: string; readonly speed: number; readonly pitch: number }[] = [
  { voice: 'en-us', speed: 170, pitch: 45 },
  { voice: 'en-gb-x-rp', speed: 170, pitch: 35 },
  { voice: 'en-us+f3', speed: 170, pitch: 55 },
];
/** Bump when the processing below changes, so old clips are rebuilt. */
const REVISION = 1;

function espeakVersion(): string {
  const probe = spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'espeak-ng is not installed: the audio captcha needs it at build time to speak the answer characters. ' +
        'Install it with `apt-get install espeak-ng` (Debian/Ubuntu), then run `npm run build` again.',
    );
  }
  return probe.stdout.trim();
}

function speak(text: string, voice: (typeof VOICES)[number]): Float32Array {
  const result = spawnSync('espeak-ng', ['-v', voice.voice, '-s', String(voice.speed), '-p', String(voice.pitch), '--stdout', text], {
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`espeak-ng failed for ${voice.voice} "${text}": ${result.stderr.toString()}`);
  const wav = decodeWav(result.stdout);
  const clip = trimSilence(resample(wav.samples, wav.sampleRate, SAMPLE_RATE), SAMPLE_RATE);
  if (clip.length === 0) throw new Error(`espeak-ng spoke nothing for ${voice.voice} "${text}"`);
  return normalise(fadeEdges(compress(clip, SAMPLE_RATE), SAMPLE_RATE), CLIP_RMS);
}

export function buildAudioClips(outDir: string): { built: boolean; clips: number; bytes: number } {
  const source = createHash('sha256')
    .update(JSON.stringify({ REVISION, espeak: espeakVersion(), ALPHABET, VOICES, SAMPLE_RATE, CLIP_RMS }))
    .digest('hex');
  const manifestPath = join(outDir, CLIPS_MANIFEST);
  const pcmPath = join(outDir, CLIPS_PCM);
  if (existsSync(manifestPath) && existsSync(pcmPath)) {
    const old = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<ClipsManifest>;
    if (old.source === source) return { built: false, clips: old.clips?.length ?? 0, bytes: readFileSync(pcmPath).length };
  }
  const clips: ClipEntry[] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const char of ALPHABET) {
    VOICES.forEach((voice, index) => {
      const pcm = toInt16(speak(char, voice));
      clips.push({ char, voice: index, offset, samples: pcm.length / 2 });
      parts.push(pcm);
      offset += pcm.length / 2;
    });
  }
  const manifest: ClipsManifest = {
    version: CLIPS_FORMAT_VERSION,
    source,
    sampleRate: SAMPLE_RATE,
    encoding: 's16le',
    voices: VOICES.map((v) => v.voice),
    clips,
  };
  mkdirSync(outDir, { recursive: true });
  const pcm = Buffer.concat(parts);
  writeFileSync(pcmPath, pcm);
  writeFileSync(manifestPath, `${JSON.stringify(manifest)}\n`);
  return { built: true, clips: clips.length, bytes: pcm.length };
}

if (isMainModule(import.meta.url)) {
  try {
    const outDir = process.argv[2] ?? join(projectRoot(), 'dist', 'audio');
    const { built, clips, bytes } = buildAudioClips(outDir);
    if (built) process.stdout.write(`audio: ${clips} speech clips (${Math.round(bytes / 1024)} KB of 8 kHz PCM) in ${outDir}\n`);
  } catch (error) {
    process.stderr.write(`build-audio-clips: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
