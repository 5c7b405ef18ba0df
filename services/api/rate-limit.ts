import type { Context, Middleware, Next } from 'koa';
import { clientId } from '../../shared/domain/abuse/client-id.js';
import type { RateLimitCheck, RateLimiter } from '../../shared/domain/abuse/ports.js';
import { checksFor, type DefaultLimits, type RateLimitAction } from '../../shared/domain/abuse/rate-limits.js';
import { AppError } from '../../shared/domain/errors.js';
import type { CaptchaMetrics } from '../../shared/adapters/metrics/captcha-metrics.js';

/** Builds the middleware that holds one action to its per-client limits (the site's own, when a route loaded one). */
export type RateLimitGate = (action: RateLimitAction) => Middleware;

export function rateLimitGate(limiter: RateLimiter, defaults: DefaultLimits, metrics: CaptchaMetrics): RateLimitGate {
  const consumeAll = async (ctx: Context, next: Next, checks: readonly RateLimitCheck[]): Promise<void> => {
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
  return (action) => {
    // The operator's checks are fixed at start-up; only a site with limits of its own needs them worked out per request.
    const defaultChecks = checksFor(action, defaults);
    return (ctx, next) => {
      const site = ctx.state.site;
      const checks = site?.limits === undefined ? defaultChecks : checksFor(action, defaults, site);
      // With no limit on, the client's address is never worked out (its IPv6 parsing is not free).
      return checks.length === 0 ? next() : consumeAll(ctx, next, checks);
    };
  };
}
