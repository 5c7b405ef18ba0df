import type { Random } from '../render/random.js';
import { rms, stretch } from './pcm.js';
import type { SpeechClips } from './speech-clips.js';
import { encodeMuLawWav } from './wav.js';

/**
 * How an answer is spoken. Every captcha draws its own voice per character,
 * timing, speed and pitch; the noise is made fresh each time, so two requests
 * for one captcha never give the same bytes.
 */
export interface AudioCaptchaProfile {
  /** Silence, then noise alone, before the first character (ms). */
  readonly leadMs: readonly [number, number];
  /** Pause between two characters (ms). */
  readonly gapMs: readonly [number, number];
  readonly tailMs: readonly [number, number];
  /** Speed and pitch of each character together: 1.08 is 8% longer and lower. */
  readonly stretch: readonly [number, number];
  /** Loudness of each character around the clip level (dB). */
  readonly gainDb: readonly [number, number];
  /** Speech over brown noise (rumble), in dB. */
  readonly brownSnrDb: number;
  /** Speech over babble (reversed speech of other characters and voices), in dB. */
  readonly babbleSnrDb: number;
  /** How many babble talkers overlap. */
  readonly babbleTalkers: number;
  /** Longest the audio may last (pauses shrink to fit): 4.99 s keeps a WAV under 40 KB. */
  readonly maxSeconds: number;
}

export const DEFAULT_AUDIO_PROFILE: AudioCaptchaProfile = {
  leadMs: [250, 400],
  gapMs: [170, 400],
  tailMs: [150, 250],
  stretch: [0.93, 1.08],
  gainDb: [-2, 2],
  brownSnrDb: 14,
  babbleSnrDb: 10,
  babbleTalkers: 3,
  maxSeconds: 4.99,
};

/** Output level (RMS of the speech) and the peak the mix is held under. */
const SPEECH_LEVEL = 0.2;
const PEAK = 0.97;

/** The answer spoken over noise, as mono samples at the clips' sample rate. */
export function speakAnswer(answer: string, clips: SpeechClips, random: Random, profile = DEFAULT_AUDIO_PROFILE): Float32Array {
  const rate = clips.sampleRate;
  const ms = ([min, max]: readonly [number, number]): number => Math.round((random.between(min, max) / 1000) * rate);
  const spoken = [...answer.toUpperCase()].map((char) => {
    const voices = clips.clipsOf(char);
    const clip = voices[Math.floor(random.next() * voices.length)];
    if (!clip) throw new RangeError(`no speech clip for "${char}"`);
    const gain = 10 ** (random.between(...profile.gainDb) / 20);
    return { samples: stretch(clip, random.between(...profile.stretch)), gain, start: 0 };
  });
  // Pauses: the lead, one gap between each two characters, the tail. Long
  // characters with long pauses would pass the size cap: then every pause shrinks alike.
  const pauses = [ms(profile.leadMs), ...spoken.slice(1).map(() => ms(profile.gapMs)), ms(profile.tailMs)];
  const speaking = spoken.reduce((sum, clip) => sum + clip.samples.length, 0);
  const pausing = pauses.reduce((sum, pause) => sum + pause, 0);
  const room = Math.floor(profile.maxSeconds * rate) - speaking;
  const shrink = pausing > room ? Math.max(0, room) / pausing : 1;
  let at = 0;
  spoken.forEach((clip, i) => {
    at += Math.floor((pauses[i] ?? 0) * shrink);
    clip.start = at;
    at += clip.samples.length;
  });
  const length = at + Math.floor((pauses[spoken.length] ?? 0) * shrink);

  // Level by the speech itself (not the pauses), so the SNRs hold whatever the timing.
  let energy = 0;
  let spokenLength = 0;
  for (const { samples, gain } of spoken) {
    energy += (rms(samples) * gain) ** 2 * samples.length;
    spokenLength += samples.length;
  }
  const speechRms = Math.sqrt(energy / Math.max(1, spokenLength));
  const scale = speechRms > 0 ? SPEECH_LEVEL / speechRms : 0;

  // Mixed in place, noise first: a few buffers of the captcha's length rather than one per step.
  const mix = brownNoise(length, random);
  const brownGain = scaleTo(mix, SPEECH_LEVEL / 10 ** (profile.brownSnrDb / 20));
  const babble = babbleNoise(length, clips, random, profile.babbleTalkers);
  const babbleGain = scaleTo(babble, SPEECH_LEVEL / 10 ** (profile.babbleSnrDb / 20));
  for (let i = 0; i < length; i++) mix[i] = mix[i] * brownGain + babble[i] * babbleGain;
  for (const { samples, gain, start } of spoken) {
    const level = scale * gain;
    for (let i = 0; i < samples.length; i++) mix[start + i] += samples[i] * level;
  }
  let peak = 0;
  for (let i = 0; i < length; i++) peak = Math.max(peak, Math.abs(mix[i]));
  if (peak > PEAK) for (let i = 0; i < length; i++) mix[i] = (mix[i] * PEAK) / peak;
  return mix;
}

/** The audio captcha as a small WAV file: 8-bit µ-law, mono, at the clips' rate (8 kB a second at 8 kHz). */
export function renderAudioCaptcha(answer: string, clips: SpeechClips, random: Random, profile = DEFAULT_AUDIO_PROFILE): Buffer {
  return encodeMuLawWav(speakAnswer(answer, clips, random, profile), clips.sampleRate);
}

function scaleTo(samples: Float32Array, level: number): number {
  const current = rms(samples);
  return current > 0 ? level / current : 0;
}

/** Leaky-integrated white noise: most energy low, like traffic or a fan. */
function brownNoise(length: number, random: Random): Float32Array {
  const out = new Float32Array(length);
  let value = 0;
  for (let i = 0; i < length; i++) {
    value = 0.98 * value + (random.next() * 2 - 1) * 0.2;
    out[i] = value;
  }
  return out;
}

/**
 * Several talkers of reversed letter clips back to back: speech-shaped noise
 * that pulls a recogniser's attention like speech does, but holds no letter
 * a listener could mistake for one of the answer's.
 */
function babbleNoise(length: number, clips: SpeechClips, random: Random, talkers: number): Float32Array {
  const out = new Float32Array(length);
  const pool = reversedClips(clips);
  if (pool.length === 0) return out;
  for (let talker = 0; talker < talkers; talker++) {
    let at = -Math.floor(random.next() * clips.sampleRate * 0.3);
    while (at < length) {
      const clip = pool[Math.floor(random.next() * pool.length)] ?? new Float32Array(1);
      const gain = random.between(0.6, 1.2);
      const from = Math.max(0, -at);
      const to = Math.min(clip.length, length - at);
      for (let i = from; i < to; i++) out[at + i] = (out[at + i] ?? 0) + (clip[i] ?? 0) * gain;
      at += clip.length + Math.floor(random.between(0, 0.08) * clips.sampleRate);
    }
  }
  return out;
}

const reversed = new WeakMap<SpeechClips, readonly Float32Array[]>();

function reversedClips(clips: SpeechClips): readonly Float32Array[] {
  let pool = reversed.get(clips);
  if (!pool) {
    pool = clips.all.map((clip) => clip.slice().reverse());
    reversed.set(clips, pool);
  }
  return pool;
}
