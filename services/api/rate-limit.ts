import type { Middleware } from 'koa';
import { clientId } from '../../shared/domain/abuse/client-id.js';
import type { RateLimiter } from '../../shared/domain/abuse/ports.js';
import { checksFor, type DefaultLimits, type RateLimitAction } from '../../shared/domain/abuse/rate-limits.js';
import { AppError } from '../../shared/domain/errors.js';
import type { CaptchaMetrics } from '../../shared/adapters/metrics/captcha-metrics.js';

/** Builds the middleware that holds one action to its per-client limits (the site's own, when a route loaded one). */
export type RateLimitGate = (action: RateLimitAction) => Middleware;

export function rateLimitGate(limiter: RateLimiter, defaults: DefaultLimits, metrics: CaptchaMetrics): RateLimitGate {
  return (action) => async (ctx, next) => {
    const checks = checksFor(action, defaults, ctx.state.site);
    // With no limit on, the client's address is never worked out (its IPv6 parsing is not free).
    if (checks.length === 0) return next() as Promise<void>;
    const client = clientId(ctx.ip);
    for (const check of checks) {
      const decision = await limiter.consume(check, client);
      if (!decision.allowed) {
        metrics.rateLimited(check.bucket);
        throw new AppError('rate_limited', 'Too many requests from this address; slow down.', {
          'Retry-After': String(decision.retryAfterSeconds),
        });
      }
    }
    await next();
  };
}
