/**
 * What one client (an IPv4 address or an IPv6 /64) did lately, counted for
 * the proof-of-work modes: challenges fetched, failed answers (wrong image,
 * unsolved, forged or reused puzzle) and implausibly fast image answers.
 */
export const CLIENT_SIGNALS = ['challenge', 'failure', 'fast'] as const;

export type ClientSignal = (typeof CLIENT_SIGNALS)[number];

export type SignalCounts = Readonly<Record<ClientSignal, number>>;

/** A client's counts in the current fixed window and the one before it. */
export interface SignalWindows {
  readonly current: SignalCounts;
  readonly previous: SignalCounts;
}

/**
 * A sliding-window estimate from two fixed windows: all of the current one,
 * and the share of the previous one that still lies within `windowMs` of now.
 * Cheap (one small hash per client) and never off by more than one window.
 */
export function slidingCounts(windows: SignalWindows, now: number, windowMs: number): SignalCounts {
  const overlap = 1 - (now % windowMs) / windowMs;
  const count = (signal: ClientSignal): number => windows.current[signal] + Math.floor(windows.previous[signal] * overlap);
  return { challenge: count('challenge'), failure: count('failure'), fast: count('fast') };
}

export interface PowPolicy {
  /** Work of a site without its own (POW_WORK). */
  readonly defaultWork: number;
  readonly windowMs: number;
  /** Challenges per window that double a client's work; 0: work never rises. */
  readonly volumeStep: number;
  /** pow+image shows an image once a client reaches any of these in the window (0: never for that reason). */
  readonly stepUp: { readonly challenges: number; readonly failures: number; readonly fastAnswers: number };
  /** An image answered sooner than this after it was issued counts as implausibly fast; 0: none does. */
  readonly fastAnswerMs: number;
}

/** Work is an average number of SHA-256 hashes; a puzzle takes between half and one and a half times that. */
export const MIN_POW_WORK = 1_000;
export const MAX_POW_WORK = 100_000_000;

/** Work never rises past this multiple of the site's own: a busy shared address still gets through. */
export const MAX_WORK_FACTOR = 16;

/** The work a client's next puzzle takes: the site's, doubled for each `volumeStep` challenges it fetched in the window. */
export function workFor(siteWork: number, challenges: number, volumeStep: number): number {
  if (volumeStep <= 0) return siteWork;
  const doublings = Math.floor(challenges / volumeStep);
  return siteWork * Math.min(MAX_WORK_FACTOR, 2 ** Math.min(doublings, 30));
}

export type StepUpReason = 'volume' | 'failures' | 'fast_answers';

/** Why a pow+image client must also answer an image, or undefined when the puzzle is enough. */
export function stepUpReason(counts: SignalCounts, thresholds: PowPolicy['stepUp']): StepUpReason | undefined {
  const reached = (count: number, threshold: number): boolean => threshold > 0 && count >= threshold;
  if (reached(counts.failure, thresholds.failures)) return 'failures';
  if (reached(counts.fast, thresholds.fastAnswers)) return 'fast_answers';
  if (reached(counts.challenge, thresholds.challenges)) return 'volume';
  return undefined;
}
