import { randomInt } from 'node:crypto';
import type { CaptchaStore } from '../captcha/captcha-store.js';
import { parseCaptchaId } from '../captcha/captcha-id.js';
import { DIFFICULTIES, type Difficulty } from '../captcha/difficulty.js';

/** Draws a captcha of the given difficulty with a fresh answer. */
export type RenderAtDifficulty = (difficulty: Difficulty) => Promise<{ readonly answer: string; readonly png: Buffer }>;

/** What one answered study captcha says: whether the person read it, how fast, and at which level. */
export interface StudyAnswer {
  readonly correct: boolean;
  readonly difficulty: Difficulty;
  readonly seconds: number;
}

/** Reports each answer, for the solve-time metrics labelled `study`. */
export type StudyObserver = (answer: StudyAnswer) => void;

/**
 * The study behind /demo/study: a person reads captchas drawn at random from
 * every difficulty, blind (the level is only revealed after the answer), so
 * operators can measure on their own staff what their users can read.
 * Captchas are rendered on demand, stored like any other and checked once.
 */
export class Study {
  constructor(
    private readonly store: CaptchaStore,
    private readonly render: RenderAtDifficulty,
    private readonly observe: StudyObserver = () => undefined,
    private readonly pick: () => Difficulty = () => DIFFICULTIES[randomInt(DIFFICULTIES.length)] ?? 'normal',
  ) {}

  async next(): Promise<{ readonly id: string; readonly png: Buffer }> {
    const difficulty = this.pick();
    const { answer, png } = await this.render(difficulty);
    const issued = await this.store.issueRendered({ answer, difficulty, png });
    return { id: issued.id, png: issued.png };
  }

  /** Undefined when the id is not a live study captcha (unknown, used or expired). */
  async answer(id: string, typed: string): Promise<StudyAnswer | undefined> {
    const parsed = parseCaptchaId(id);
    const result = parsed ? await this.store.check(parsed, typed) : undefined;
    if (!result || result.outcome === 'unknown') return undefined;
    const answer = { correct: result.outcome === 'match', difficulty: result.difficulty, seconds: result.answeredAfterMs / 1000 };
    this.observe(answer);
    return answer;
  }
}
