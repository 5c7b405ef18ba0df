import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../runtime/project-root.js';
import { CLIPS_MANIFEST, CLIPS_PCM, parseSpeechClips, type SpeechClips } from '../domain/audio/speech-clips.js';

/** Where `npm run build` writes the speech clips. */
export function defaultClipsDir(): string {
  return join(projectRoot(), 'dist', 'audio');
}

/** Reads the built speech clips; throws when they are missing or inconsistent. */
export async function loadSpeechClips(dir = defaultClipsDir()): Promise<SpeechClips> {
  const [manifest, pcm] = await Promise.all([readFile(join(dir, CLIPS_MANIFEST), 'utf8'), readFile(join(dir, CLIPS_PCM))]);
  return parseSpeechClips(JSON.parse(manifest), pcm);
}
