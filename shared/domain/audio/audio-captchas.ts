import type { PeekedCaptcha } from '../captcha/captcha-store.js';
import { AppError } from '../errors.js';
import { newSeed, seededRandom, type Random } from '../render/random.js';
import { renderAudioCaptcha } from './audio-captcha.js';
import type { SpeechClips } from './speech-clips.js';

/** What audio needs of the captcha store: a live captcha, read without consuming it. */
export interface CaptchaPeek {
  peek(id: string): Promise<PeekedCaptcha | undefined>;
}

/** The widget's answer for audio of a challenge that is not (or no longer) this page's. */
export const challengeGone = (): AppError => new AppError('challenge_expired', 'The challenge expired or was used; load a new one.');

export const audioUnavailable = (): AppError =>
  new AppError('audio_unavailable', 'Audio captchas are not available on this server (its speech clips were not built).');

/**
 * The audio alternative of an image captcha: the same live captcha, spoken.
 * Nothing is stored for it: each request reads the answer without consuming
 * it and speaks it afresh (new timing, speed and noise), so the audio costs
 * no Redis memory and checking the captcha still consumes it, as for its image.
 */
export class AudioCaptchas {
  constructor(
    private readonly store: CaptchaPeek,
    /** Undefined when the clips were not built: every request then answers 503. */
    private readonly clips: SpeechClips | undefined,
    private readonly random: () => Random = () => seededRandom(newSeed()),
  ) {}

  /**
   * A WAV file of the captcha's answer; undefined when the captcha is unknown,
   * used or expired, or when `accepts` refuses its binding (another site's).
   */
  async audio(id: string, accepts: (binding: string) => boolean = () => true): Promise<Buffer | undefined> {
    if (!this.clips) throw audioUnavailable();
    const captcha = await this.store.peek(id);
    if (!captcha || !accepts(captcha.binding)) return undefined;
    return renderAudioCaptcha(captcha.answer, this.clips, this.random());
  }
}
