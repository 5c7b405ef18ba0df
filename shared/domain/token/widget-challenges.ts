import type { CaptchaStore } from '../captcha/captcha-store.js';
import { parseCaptchaId } from '../captcha/captcha-id.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { DataEpoch, SiteRepository } from '../sites/ports.js';
import { allowsOrigin, isSitekey, type Site, type WidgetMode } from '../sites/site.js';
import type { Difficulty } from '../captcha/difficulty.js';
import { ResponseTokens } from './response-token.js';

export interface Challenge {
  readonly id: string;
  readonly png: Buffer;
  readonly expiresAt: number;
}

/** What telemetry learns from an answered challenge. */
export interface AnsweredChallenge {
  readonly difficulty: Difficulty;
  readonly answeredAfterMs: number;
}

export type SolveOutcome =
  | { readonly solved: true; readonly token: string; readonly expiresAt: number; readonly answered: AnsweredChallenge }
  | { readonly solved: false; readonly reason: 'wrong_answer'; readonly answered?: AnsweredChallenge }
  | { readonly solved: false; readonly reason: 'challenge_expired' };

export type StepUpCheck =
  | { readonly outcome: 'solved' | 'wrong_answer'; readonly answered: AnsweredChallenge }
  | { readonly outcome: 'wrong_answer' | 'challenge_expired'; readonly answered?: undefined };

export interface WidgetChallengesOptions {
  readonly store: CaptchaStore;
  readonly sites: SiteRepository;
  readonly tokens: ResponseTokens;
  readonly epoch: DataEpoch;
  readonly clock: Clock;
  readonly tokenTtlSeconds: number;
}

/**
 * The site a widget request may act for: it exists and the page's origin is
 * one of its own. Throws sitekey_unknown or origin_not_allowed.
 */
export function authorizePage(site: Site | undefined, origin: string): Site {
  if (!site) throw new AppError('sitekey_unknown');
  if (!allowsOrigin(site, origin)) throw new AppError('origin_not_allowed');
  return site;
}

/**
 * The browser side of the token API: a challenge is an image captcha bound to
 * a site and the page origin it was shown on; solving it right yields a
 * signed, single-use response token for that site and origin.
 */
export class WidgetChallenges {
  constructor(private readonly options: WidgetChallengesOptions) {}

  /** The site with this sitekey, read fresh so changes apply at once on every pod. */
  async site(sitekey: string): Promise<Site | undefined> {
    return isSitekey(sitekey) ? this.options.sites.getSite(sitekey) : undefined;
  }

  async challenge(site: Site, origin: string): Promise<Challenge> {
    const captcha = await this.options.store.issueWithImage(bindingOf(site.sitekey, origin));
    return { id: captcha.id, png: captcha.png, expiresAt: captcha.issuedAt + this.options.store.ttlSeconds * 1000 };
  }

  /**
   * Whether a captcha's binding makes it an image of this site and page
   * (a challenge or a step-up): only that page may have it spoken.
   */
  shownTo(site: Site, origin: string): (binding: string) => boolean {
    return (binding) => {
      const bound = parseBinding(binding);
      return bound?.[0] === site.sitekey && bound[1] === origin;
    };
  }

  async solve(site: Site, origin: string, challengeId: string, answer: string): Promise<SolveOutcome> {
    const id = parseCaptchaId(challengeId);
    if (!id) return { solved: false, reason: 'challenge_expired' };
    const result = await this.options.store.check(id, answer);
    if (result.outcome === 'unknown') return { solved: false, reason: 'challenge_expired' };
    const answered = { difficulty: result.difficulty, answeredAfterMs: result.answeredAfterMs };
    // A challenge solved on another site or page counts as wrong: the binding is part of the proof.
    if (result.binding !== bindingOf(site.sitekey, origin)) return { solved: false, reason: 'wrong_answer' };
    if (result.outcome === 'mismatch') return { solved: false, reason: 'wrong_answer', answered };
    return { solved: true, ...this.issueToken(site, origin, 'image'), answered };
  }

  /** A signed, single-use response token saying that this site's page solved a challenge of this mode, now. */
  issueToken(site: Site, origin: string, mode: WidgetMode): { token: string; expiresAt: number } {
    const solvedAt = this.options.clock.now();
    const expiresAt = solvedAt + this.options.tokenTtlSeconds * 1000;
    const token = this.options.tokens.sign({
      id: ResponseTokens.newId(),
      sitekey: site.sitekey,
      accountId: site.accountId,
      origin,
      solvedAt,
      expiresAt,
      epoch: this.options.epoch.current(),
      // Image tokens leave the mode out, as they did before there were modes.
      ...(mode === 'image' ? {} : { mode }),
    });
    return { token, expiresAt };
  }

  /** An image challenge that only comes with a puzzle (pow+image's step-up). */
  async stepUpChallenge(site: Site, origin: string): Promise<Challenge> {
    const captcha = await this.options.store.issueWithImage(stepUpBindingOf(site.sitekey, origin));
    return { id: captcha.id, png: captcha.png, expiresAt: captcha.issuedAt + this.options.store.ttlSeconds * 1000 };
  }

  /** Checks, and consumes, a step-up image; the puzzle's proof makes the token. */
  async checkStepUp(site: Site, origin: string, challengeId: string, answer: string): Promise<StepUpCheck> {
    const id = parseCaptchaId(challengeId);
    const result = id ? await this.options.store.check(id, answer) : undefined;
    if (!result || result.outcome === 'unknown') return { outcome: 'challenge_expired' };
    if (result.binding !== stepUpBindingOf(site.sitekey, origin)) return { outcome: 'wrong_answer' };
    const answered = { difficulty: result.difficulty, answeredAfterMs: result.answeredAfterMs };
    return { outcome: result.outcome === 'match' ? 'solved' : 'wrong_answer', answered };
  }
}

/** Every widget binding is a JSON array that starts with the sitekey and the origin; a classic captcha has none. */
function parseBinding(binding: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(binding);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function bindingOf(sitekey: string, origin: string): string {
  return JSON.stringify([sitekey, origin]);
}

/** A step-up image is bound apart, so that /solve can never redeem it without its puzzle. */
function stepUpBindingOf(sitekey: string, origin: string): string {
  return JSON.stringify([sitekey, origin, 'step-up']);
}
