import { describe, expect, it } from 'vitest';
import { DEFAULT_AUDIO_PROFILE, renderAudioCaptcha, speakAnswer } from '../../shared/domain/audio/audio-captcha.js';
import { compress, fromInt16, normalise, resample, rms, stretch, toInt16, trimSilence } from '../../shared/domain/audio/pcm.js';
import { parseSpeechClips } from '../../shared/domain/audio/speech-clips.js';
import { decodeWav, encodeMuLawWav, linearToMuLaw, muLawToLinear, WAVE_FORMAT_MULAW } from '../../shared/domain/audio/wav.js';
import { seededRandom } from '../../shared/domain/render/random.js';
import { SYNTHETIC_CLIP_SECONDS, SYNTHETIC_RATE, syntheticClipFiles, syntheticClips, toneOf } from '../support/synthetic-clips.js';

const sine = (hz: number, rate: number, seconds: number, amplitude = 0.5): Float32Array =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));

/** Strength of one frequency in the samples (a single DFT bin, normalised to amplitude). */
function amplitudeAt(samples: Float32Array, hz: number, rate: number): number {
  let re = 0;
  let im = 0;
  samples.forEach((sample, i) => {
    re += sample * Math.cos((2 * Math.PI * hz * i) / rate);
    im += sample * Math.sin((2 * Math.PI * hz * i) / rate);
  });
  return (2 * Math.hypot(re, im)) / samples.length;
}

const seed = (n: number): Buffer => Buffer.alloc(16, n);

describe('µ-law WAV', () => {
  it('encodes G.711 µ-law as the standard tables have it', () => {
    expect(linearToMuLaw(0)).toBe(0xff);
    expect(linearToMuLaw(32767)).toBe(0x80);
    expect(linearToMuLaw(-32768)).toBe(0x00);
    expect(muLawToLinear(0xff)).toBe(0);
    expect(muLawToLinear(0x80)).toBe(32124);
    expect(muLawToLinear(0x00)).toBe(-32124);
    for (const value of [-20000, -1000, -37, 5, 300, 12345]) {
      expect(Math.abs(muLawToLinear(linearToMuLaw(value)) - value)).toBeLessThanOrEqual(Math.max(8, Math.abs(value) * 0.04));
    }
  });

  it('writes a mono 8-bit µ-law file at the given rate that reads back close to the input', () => {
    const input = sine(440, 8000, 0.5);
    const wav = encodeMuLawWav(input, 8000);
    expect(wav.length).toBe(58 + input.length);
    const decoded = decodeWav(wav);
    expect(decoded).toMatchObject({ format: WAVE_FORMAT_MULAW, sampleRate: 8000, channels: 1, bitsPerSample: 8, duration: 0.5 });
    let worst = 0;
    decoded.samples.forEach((sample, i) => (worst = Math.max(worst, Math.abs(sample - (input[i] ?? 0)))));
    expect(worst).toBeLessThan(0.02);
  });

  it('reads a streamed 16-bit PCM file whose data length is unknown (0xFFFFFFFF), as espeak-ng writes to a pipe', () => {
    const pcm = toInt16(sine(300, 22050, 0.1));
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(0xffffffff, 4);
    header.write('WAVEfmt ', 8, 'ascii');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(22050, 24);
    header.writeUInt32LE(44100, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'ascii');
    header.writeUInt32LE(0xffffffff, 40);
    const decoded = decodeWav(Buffer.concat([header, pcm]));
    expect(decoded.sampleRate).toBe(22050);
    expect(decoded.samples.length).toBe(pcm.length / 2);
    expect(() => decodeWav(Buffer.from('not a wav file at all'))).toThrow(/RIFF/);
  });
});

describe('PCM helpers', () => {
  it('resample 22.05 kHz speech to 8 kHz: tones below 3.6 kHz pass, tones above 4 kHz do not alias back', () => {
    const kept = resample(sine(1000, 22050, 0.5), 22050, 8000);
    expect(kept.length).toBe(4000);
    expect(amplitudeAt(kept, 1000, 8000)).toBeGreaterThan(0.45);
    // 6 kHz would fold to 2 kHz at 8 kHz sampling without the low-pass.
    const folded = resample(sine(6000, 22050, 0.5), 22050, 8000);
    expect(amplitudeAt(folded, 2000, 8000)).toBeLessThan(0.005);
  });

  it('round-trip 16-bit PCM and measure RMS', () => {
    const input = sine(200, 8000, 0.2);
    const back = fromInt16(toInt16(input));
    expect(rms(back)).toBeCloseTo(0.5 / Math.SQRT2, 3);
    expect(rms(new Float32Array(0))).toBe(0);
  });

  it('trim silence but keep a soft final consonant 30 dB under the vowel', () => {
    const rate = 8000;
    const vowel = sine(300, rate, 0.2, 0.5);
    const fricative = sine(3000, rate, 0.1, 0.5 * 10 ** (-30 / 20));
    const clip = new Float32Array(rate); // 1 s: 0.3 s silence, vowel, fricative, silence
    clip.set(vowel, 2400);
    clip.set(fricative, 2400 + vowel.length);
    const trimmed = trimSilence(clip, rate);
    expect(trimmed.length).toBeGreaterThanOrEqual(vowel.length + fricative.length);
    expect(trimmed.length).toBeLessThan(vowel.length + fricative.length + 0.06 * rate);
    expect(trimSilence(new Float32Array(100), rate).length).toBe(0);
  });

  it('compress brings a soft part closer to a loud one', () => {
    const rate = 8000;
    const loud = sine(300, rate, 0.2, 0.5);
    const soft = sine(300, rate, 0.2, 0.05);
    const clip = new Float32Array(loud.length + soft.length);
    clip.set(loud);
    clip.set(soft, loud.length);
    const out = compress(clip, rate);
    const before = rms(clip.subarray(0, loud.length)) / rms(clip.subarray(loud.length + 400));
    const after = rms(out.subarray(0, loud.length)) / rms(out.subarray(loud.length + 400));
    expect(after).toBeLessThan(before / 2);
  });

  it('stretch changes length and pitch together; normalise sets the RMS', () => {
    const stretched = stretch(sine(500, 8000, 0.5), 1.1);
    expect(stretched.length).toBe(4400);
    expect(amplitudeAt(stretched, 500 / 1.1, 8000)).toBeGreaterThan(0.4);
    expect(rms(normalise(sine(500, 8000, 0.5), 0.1))).toBeCloseTo(0.1, 3);
  });
});

describe('speech clips', () => {
  it('index a manifest and its PCM by character', () => {
    const clips = syntheticClips(3);
    expect(clips.sampleRate).toBe(SYNTHETIC_RATE);
    expect(clips.clipsOf('A')).toHaveLength(3);
    expect(clips.clipsOf('a')).toHaveLength(3);
    expect(clips.clipsOf('B')).toHaveLength(0);
    expect(clips.all).toHaveLength(23 * 3);
  });

  it('refuse a manifest that misses a character or points outside the PCM', () => {
    const { manifest, pcm } = syntheticClipFiles(1);
    expect(() => parseSpeechClips({ ...manifest, clips: manifest.clips.filter((c) => c.char !== 'W') }, pcm)).toThrow(/no clip for W/);
    expect(() => parseSpeechClips(manifest, pcm.subarray(0, pcm.length - 2))).toThrow(/outside/);
    expect(() => parseSpeechClips({ ...manifest, version: 99 }, pcm)).toThrow(/manifest/);
    expect(() => parseSpeechClips(null, pcm)).toThrow(/manifest/);
  });
});

describe('audio captcha', () => {
  const clips = syntheticClips(2);
  const profile = DEFAULT_AUDIO_PROFILE;

  it('lasts as long as the profile allows', () => {
    const answer = 'AC3F9W';
    const samples = speakAnswer(answer, clips, seededRandom(seed(1)));
    const seconds = samples.length / SYNTHETIC_RATE;
    const clipMin = SYNTHETIC_CLIP_SECONDS * profile.stretch[0];
    const clipMax = SYNTHETIC_CLIP_SECONDS * profile.stretch[1];
    const min = (profile.leadMs[0] + 5 * profile.gapMs[0] + profile.tailMs[0]) / 1000 + 6 * clipMin;
    const max = (profile.leadMs[1] + 5 * profile.gapMs[1] + profile.tailMs[1]) / 1000 + 6 * clipMax;
    expect(seconds).toBeGreaterThanOrEqual(min - 0.01);
    expect(seconds).toBeLessThanOrEqual(max + 0.01);
  });

  it('speaks the characters in order, apart, with pauses the profile allows', () => {
    const answer = 'AC3F9W';
    const exact = { ...profile, brownSnrDb: 200, babbleSnrDb: 200, stretch: [1, 1] as const, gainDb: [0, 0] as const };
    const samples = speakAnswer(answer, clips, seededRandom(seed(5)), exact);
    // Runs of sound: with the noise off, the clips are the only non-zero stretches.
    const runs: { start: number; end: number }[] = [];
    samples.forEach((sample, i) => {
      if (Math.abs(sample) >= 1e-4) {
        const last = runs.at(-1);
        if (last && i - last.end < 40) last.end = i;
        else runs.push({ start: i, end: i });
      }
    });
    expect(runs).toHaveLength(6);
    runs.forEach((run, i) => {
      if (i > 0) {
        const gapMs = ((run.start - (runs[i - 1]?.end ?? 0)) / SYNTHETIC_RATE) * 1000;
        expect(gapMs).toBeGreaterThanOrEqual(profile.gapMs[0] - 10);
        expect(gapMs).toBeLessThanOrEqual(profile.gapMs[1] + 10);
      }
      const window = samples.subarray(run.start, run.end);
      const strength = (char: string): number => Math.max(amplitudeAt(window, toneOf(char, 0), SYNTHETIC_RATE), amplitudeAt(window, toneOf(char, 1), SYNTHETIC_RATE));
      const heard = [...'ACEFHJKLMNPRTUVWXY34679'].reduce((best, char) => (strength(char) > strength(best) ? char : best), 'A');
      expect(heard).toBe(answer[i]);
    });
  });

  it('is never the same twice, but a seed pins it', () => {
    const a = renderAudioCaptcha('AC3F9W', clips, seededRandom(seed(1)));
    const b = renderAudioCaptcha('AC3F9W', clips, seededRandom(seed(2)));
    const again = renderAudioCaptcha('AC3F9W', clips, seededRandom(seed(1)));
    expect(a.equals(b)).toBe(false);
    expect(a.equals(again)).toBe(true);
  });

  it('keeps speech well above the noise and under full scale', () => {
    const quiet = { ...profile, brownSnrDb: 200, babbleSnrDb: 200 };
    const clean = speakAnswer('AAAAAA', clips, seededRandom(seed(3)), quiet);
    const noisy = speakAnswer('AAAAAA', clips, seededRandom(seed(3)), profile);
    expect(noisy.length).toBe(clean.length);
    let noise = 0;
    noisy.forEach((sample, i) => (noise += (sample - (clean[i] ?? 0)) ** 2));
    const snr = 20 * Math.log10(rms(clean) / Math.sqrt(noise / noisy.length));
    // Speech fills about half the timeline, so its overall SNR is a few dB under the profile's.
    expect(snr).toBeGreaterThan(3);
    expect(snr).toBeLessThan(12);
    expect(Math.max(...noisy.map(Math.abs))).toBeLessThanOrEqual(0.97);
  });

  it('shrinks the pauses to stay within maxSeconds, keeping every character whole', () => {
    const tight = { ...profile, maxSeconds: 2.5, stretch: [1, 1] as const };
    for (let n = 0; n < 20; n++) {
      const samples = speakAnswer('W7W9WY', clips, seededRandom(seed(10 + n)), tight);
      expect(samples.length).toBeLessThanOrEqual(2.5 * SYNTHETIC_RATE);
      expect(samples.length).toBeGreaterThanOrEqual(6 * SYNTHETIC_CLIP_SECONDS * SYNTHETIC_RATE);
    }
    // The default cap, 4.99 s, keeps even 8 s worth of pauses under 40 KB.
    const slow = { ...profile, leadMs: [1000, 1000] as const, gapMs: [1000, 1000] as const, tailMs: [1000, 1000] as const };
    expect(renderAudioCaptcha('W7W9WY', clips, seededRandom(seed(9)), slow).length).toBeLessThan(40_000);
  });

  it('is a small µ-law WAV: one byte a sample at 8 kHz', () => {
    const wav = renderAudioCaptcha('KH7RWA', clips, seededRandom(seed(4)));
    const decoded = decodeWav(wav);
    expect(decoded).toMatchObject({ format: WAVE_FORMAT_MULAW, sampleRate: 8000, bitsPerSample: 8, channels: 1 });
    expect(wav.length).toBe(58 + decoded.samples.length);
    expect(wav.length).toBeLessThan(40_000);
  });
});
