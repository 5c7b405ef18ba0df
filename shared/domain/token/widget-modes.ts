import type { Clock } from '../clock.js';
import { slidingCounts, stepUpReason, workFor, type ClientSignal, type PowPolicy, type SignalCounts, type StepUpReason } from '../pow/pow-policy.js';
import type { ClientSignals, UsedPuzzles } from '../pow/ports.js';
import type { PowPuzzles, PuzzleChallenge, PuzzlePayload } from '../pow/puzzle.js';
import { modeOf, type Site, type WidgetMode } from '../sites/site.js';
import type { AnsweredChallenge, Challenge, WidgetChallenges } from './widget-challenges.js';

/** What the widget is asked to do: answer an image, or solve a puzzle (and, on a step-up, answer an image too). */
export type ModeChallenge =
  | { readonly mode: 'image'; readonly image: Challenge }
  | {
      readonly mode: 'pow' | 'pow+image';
      readonly puzzle: PuzzleChallenge;
      /** Average hashes the puzzle takes. */
      readonly work: number;
      readonly expiresAt: number;
      /** The step-up image, and why this client gets one (pow+image only). */
      readonly stepUp?: { readonly image: Challenge; readonly reason: StepUpReason };
    };

export type ProofOutcome =
  | { readonly solved: true; readonly token: string; readonly expiresAt: number; readonly mode: WidgetMode; readonly answered?: AnsweredChallenge }
  | {
      readonly solved: false;
      /** puzzle_invalid: forged, unsolved, or another site's or page's; challenge_expired: expired or redeemed before. */
      readonly reason: 'puzzle_invalid' | 'challenge_expired' | 'wrong_answer';
      readonly answered?: AnsweredChallenge;
    };

export interface WidgetModesOptions {
  readonly challenges: WidgetChallenges;
  readonly puzzles: PowPuzzles;
  readonly usedPuzzles: UsedPuzzles;
  readonly signals: ClientSignals;
  readonly policy: PowPolicy;
  readonly clock: Clock;
  /** Counting a failure or fast answer is best effort: a proof never fails because a counter could not be written. */
  readonly onSignalError?: (error: unknown) => void;
}

/**
 * The widget's challenge by the site's mode. `image` is the image captcha
 * alone (WidgetChallenges). `pow` and `pow+image` hand out a signed
 * proof-of-work puzzle whose work rises with the client's volume; pow+image
 * adds an image when the client's recent behaviour calls for a step-up. A
 * puzzle is redeemed once, on any pod, for a response token that says what
 * was solved.
 */
export class WidgetModes {
  constructor(private readonly options: WidgetModesOptions) {}

  async challenge(site: Site, origin: string, client: string): Promise<ModeChallenge> {
    const { challenges, puzzles, policy } = this.options;
    const mode = modeOf(site);
    if (mode === 'image') return { mode, image: await challenges.challenge(site, origin) };
    const counts = await this.count(client, 'challenge');
    const work = workFor(site.powWork ?? policy.defaultWork, counts.challenge, policy.volumeStep);
    const reason = mode === 'pow+image' ? stepUpReason(counts, policy.stepUp) : undefined;
    const image = reason ? await challenges.stepUpChallenge(site, origin) : undefined;
    const { challenge, claims } = await puzzles.create({ sitekey: site.sitekey, origin, image: image?.id ?? '' }, work);
    return { mode, puzzle: challenge, work: claims.work, expiresAt: claims.expiresAt, ...(image && reason ? { stepUp: { image, reason } } : {}) };
  }

  /** Redeems a solved puzzle (with the answer to its step-up image, if it has one) for a response token. */
  async prove(site: Site, origin: string, client: string, payload: PuzzlePayload, answer: string | undefined): Promise<ProofOutcome> {
    const { puzzles, usedPuzzles, challenges, clock, policy } = this.options;
    // A site that went back to images since the puzzle was fetched: the widget starts again.
    if (modeOf(site) === 'image') return { solved: false, reason: 'challenge_expired' };
    const check = await puzzles.check(payload);
    if (!check.ok && check.reason === 'expired') return { solved: false, reason: 'challenge_expired' };
    // Another site's or page's puzzle proves nothing here, solved or not.
    if (!check.ok || check.claims.sitekey !== site.sitekey || check.claims.origin !== origin) {
      await this.countBestEffort(client, 'failure');
      return { solved: false, reason: 'puzzle_invalid' };
    }
    const { claims } = check;
    if (!(await usedPuzzles.markUsed(claims.id, (claims.expiresAt - clock.now()) / 1000))) {
      await this.countBestEffort(client, 'failure');
      return { solved: false, reason: 'challenge_expired' };
    }
    let answered: AnsweredChallenge | undefined;
    if (claims.image !== '') {
      const checked = await challenges.checkStepUp(site, origin, claims.image, answer ?? '');
      answered = checked.answered;
      if (answered && policy.fastAnswerMs > 0 && answered.answeredAfterMs < policy.fastAnswerMs) await this.countBestEffort(client, 'fast');
      if (checked.outcome === 'wrong_answer') await this.countBestEffort(client, 'failure');
      if (checked.outcome !== 'solved') return { solved: false, reason: checked.outcome, ...(answered ? { answered } : {}) };
    }
    const mode: WidgetMode = claims.image === '' ? 'pow' : 'pow+image';
    return { solved: true, ...challenges.issueToken(site, origin, mode), mode, ...(answered ? { answered } : {}) };
  }

  private async count(client: string, signal: ClientSignal): Promise<SignalCounts> {
    const { signals, clock, policy } = this.options;
    const now = clock.now();
    return slidingCounts(await signals.record(client, signal, now, policy.windowMs), now, policy.windowMs);
  }

  private async countBestEffort(client: string, signal: ClientSignal): Promise<void> {
    await this.count(client, signal).catch((error: unknown) => this.options.onSignalError?.(error));
  }
}
