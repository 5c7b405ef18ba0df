import type { RateLimitBucket, RateLimitCheck, SiteLimits } from './ports.js';

/** The requests a route makes a client pay for. */
export type RateLimitAction = 'issue' | 'solve' | 'siteverify' | 'audio';

/** The operator's limits; 0 turns a per-minute limit off. */
export interface DefaultLimits {
  readonly issuePerMinute: number;
  readonly solvePerMinute: number;
  readonly siteverifyPerMinute: number;
  /** Audio captchas one client may have spoken per minute: each is made on request and costs CPU, not Redis. */
  readonly audioPerMinute: number;
  /**
   * Captchas one client may hold at once: issued within one captcha lifetime.
   * It bounds what one client can make Redis hold and its share of the pool,
   * and no site can lift it; 0 (for tests and benchmarks only) turns it off.
   */
  readonly liveCaptchasPerClient: number;
  readonly captchaTtlSeconds: number;
}

/**
 * The checks one request of an action must pass, in order. A site may set
 * other per-minute thresholds (0: none); the live-captcha cap applies to
 * every issue, so no site setting lets one client drain the shared pool.
 */
export function checksFor(action: RateLimitAction, defaults: DefaultLimits, site?: { readonly limits?: SiteLimits }): RateLimitCheck[] {
  const perMinute = (bucket: RateLimitBucket, threshold: number): RateLimitCheck[] =>
    threshold > 0 ? [{ bucket, windowSeconds: 60, threshold }] : [];
  switch (action) {
    case 'issue':
      return [
        ...perMinute('issue', site?.limits?.issuePerMinute ?? defaults.issuePerMinute),
        ...(defaults.liveCaptchasPerClient > 0
          ? [{ bucket: 'issue-live' as const, windowSeconds: defaults.captchaTtlSeconds, threshold: defaults.liveCaptchasPerClient }]
          : []),
      ];
    case 'solve':
      return perMinute('solve', site?.limits?.solvePerMinute ?? defaults.solvePerMinute);
    case 'siteverify':
      return perMinute('siteverify', defaults.siteverifyPerMinute);
    case 'audio':
      return perMinute('audio', defaults.audioPerMinute);
  }
}
