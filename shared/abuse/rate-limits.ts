import type { Config } from '../config.js';
import type { Site } from '../sites/site.js';

/** What a client is limited in. */
export type RateLimitAction = 'issue' | 'solve' | 'siteverify';

export type RateLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** Counts a client's requests per action and minute; the Redis adapter shares the counts across pods. */
export interface RateLimiter {
  consume(action: RateLimitAction, client: string, perMinute: number): Promise<RateLimitDecision>;
}

/** Per-site overrides of the per-IP limits, for the widget's endpoints. */
export interface SiteLimits {
  readonly issuePerMinute?: number;
  readonly solvePerMinute?: number;
}

/** The limit that applies: the site's own when it has one, else the configured default; 0 means none. */
export function limitFor(action: RateLimitAction, config: Config, site?: Site): number {
  switch (action) {
    case 'issue':
      return site?.limits?.issuePerMinute ?? config.rateLimitIssuePerMinute;
    case 'solve':
      return site?.limits?.solvePerMinute ?? config.rateLimitSolvePerMinute;
    case 'siteverify':
      return config.rateLimitSiteverifyPerMinute;
  }
}
