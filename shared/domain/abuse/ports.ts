/** The seams of the abuse rules: what a limiter counts, and what a site may set. */

/** What a client is limited in: each bucket is one counter per client, whatever site the request is for. */
export type RateLimitBucket = 'issue' | 'issue-live' | 'solve' | 'siteverify' | 'audio';

export type RateLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** One counter to bump and the threshold it must stay within. */
export interface RateLimitCheck {
  readonly bucket: RateLimitBucket;
  readonly windowSeconds: number;
  readonly threshold: number;
}

/**
 * Counts a client's requests per bucket and window, and says whether the
 * count is within a threshold. The threshold is an argument, not part of the
 * counter, so a site's own limit is a different threshold on the same count.
 */
export interface RateLimiter {
  consume(check: RateLimitCheck, client: string): Promise<RateLimitDecision>;
}

/** Per-site overrides of the per-client limits, for the widget's endpoints. */
export interface SiteLimits {
  readonly issuePerMinute?: number;
  readonly solvePerMinute?: number;
}
