import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resample, toInt16 } from '../../shared/domain/audio/pcm.js';

/**
 * An offline speech-recogniser attack: Debian's pocketsphinx (CMU Sphinx,
 * US English acoustic model) restricted by a JSGF grammar to exactly the
 * answer's length in characters of our alphabet, with each character's
 * spoken name in the dictionary — what an attacker who reads our source sets
 * up, rather than free dictation.
 */

const MODEL = '/usr/share/pocketsphinx/model/en-us/en-us';

/** CMU phones of each character's name, as espeak-ng says it (ARPAbet). */
const PRONUNCIATIONS: Readonly<Record<string, readonly string[]>> = {
  A: ['EY'],
  C: ['S IY'],
  E: ['IY'],
  F: ['EH F'],
  H: ['EY CH'],
  J: ['JH EY'],
  K: ['K EY'],
  L: ['EH L'],
  M: ['EH M'],
  N: ['EH N'],
  P: ['P IY'],
  R: ['AA R', 'AA'],
  T: ['T IY'],
  U: ['Y UW'],
  V: ['V IY'],
  W: ['D AH B AH L Y UW', 'D AH B AH Y UW'],
  X: ['EH K S'],
  Y: ['W AY'],
  '3': ['TH R IY'],
  '4': ['F AO R'],
  '6': ['S IH K S'],
  '7': ['S EH V AH N'],
  '9': ['N AY N'],
};

/** How the attacker prepares the audio and sets the decoder; tuned on labelled samples. */
export interface SphinxConfig {
  /** up16k: resampled to the model's 16 kHz; denoise: also sox noise reduction, profiled on the noise-only lead-in. */
  readonly input: 'up16k' | 'up16k+denoise';
  /** Sphinx's own voice-activity detection, which may drop soft speech in noise. */
  readonly removeSilence: boolean;
}

export const SPHINX_CONFIGS: SphinxConfig[] = (['up16k', 'up16k+denoise'] as const).flatMap((input) =>
  [true, false].map((removeSilence) => ({ input, removeSilence })),
);

export function pocketsphinxAvailable(): boolean {
  return spawnSync('pocketsphinx_batch', [], { stdio: 'ignore' }).error === undefined && existsSync(join(MODEL, 'mdef'));
}

const word = (char: string): string => `c${char.toLowerCase()}`;

/** Recognises every clip (mono samples at `sampleRate`) in one pocketsphinx_batch process. */
export function sphinxRead(clips: Float32Array[], sampleRate: number, length: number, alphabet: string, config: SphinxConfig): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'captcha-asr-'));
  try {
    const names = clips.map((clip, i) => {
      const name = `a${i}`;
      const raw = toInt16(resample(clip, sampleRate, 16_000));
      writeFileSync(join(dir, `${name}.raw`), raw);
      if (config.input === 'up16k+denoise') denoise(dir, name, 0.25);
      return name;
    });
    const chars = [...alphabet];
    writeFileSync(
      join(dir, 'letters.dict'),
      chars.flatMap((char) => (PRONUNCIATIONS[char] ?? []).map((phones, alt) => `${word(char)}${alt ? `(${alt + 1})` : ''} ${phones}`)).join('\n') + '\n',
    );
    writeFileSync(
      join(dir, 'captcha.jsgf'),
      `#JSGF V1.0;\ngrammar captcha;\npublic <answer> = ${Array(length).fill('<char>').join(' ')};\n<char> = ${chars.map(word).join(' | ')};\n`,
    );
    writeFileSync(join(dir, 'list.ctl'), `${names.join('\n')}\n`);
    const result = spawnSync(
      'pocketsphinx_batch',
      [
        '-hmm', MODEL,
        '-dict', join(dir, 'letters.dict'),
        '-jsgf', join(dir, 'captcha.jsgf'),
        '-adcin', 'yes',
        '-cepdir', dir,
        '-cepext', '.raw',
        '-ctl', join(dir, 'list.ctl'),
        '-hyp', join(dir, 'out.hyp'),
        '-remove_silence', config.removeSilence ? 'yes' : 'no',
        '-logfn', '/dev/null',
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.status !== 0) throw new Error(`pocketsphinx_batch failed: ${result.stderr}`);
    const byName = new Map<string, string>();
    for (const line of readFileSync(join(dir, 'out.hyp'), 'utf8').split('\n')) {
      const match = /^(.*?)\s*\((\S+?)(?:\s+-?\d+)?\)\s*$/.exec(line);
      if (match?.[2]) byName.set(match[2], (match[1] ?? '').trim());
    }
    return names.map((name) =>
      (byName.get(name) ?? '')
        .split(/\s+/)
        .filter((w) => w.startsWith('c'))
        .map((w) => w.slice(1).toUpperCase())
        .join(''),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** sox spectral noise reduction, with the noise profile taken from the clip's first `seconds` (noise only). */
function denoise(dir: string, name: string, seconds: number): void {
  const raw = ['-t', 'raw', '-r', '16000', '-e', 'signed', '-b', '16', '-c', '1'];
  const input = join(dir, `${name}.raw`);
  const profile = join(dir, `${name}.prof`);
  const output = join(dir, `${name}.clean.raw`);
  const run = (args: string[]): void => {
    const result = spawnSync('sox', args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`sox failed: ${result.stderr}`);
  };
  run([...raw, input, '-n', 'trim', '0', String(seconds), 'noiseprof', profile]);
  run([...raw, input, ...raw, output, 'noisered', profile, '0.21']);
  writeFileSync(input, readFileSync(output));
}
