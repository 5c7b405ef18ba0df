import type { Middleware } from 'koa';
import { limitFor, type RateLimitAction, type RateLimiter } from '../../shared/abuse/rate-limits.js';
import type { Config } from '../../shared/config.js';
import { AppError } from '../../shared/errors.js';
import type { CaptchaMetrics } from '../../shared/metrics/captcha-metrics.js';
import type { Site } from '../../shared/sites/site.js';

/** Builds the middleware that holds one action to its per-IP limit (the site's own, when a route loaded one). */
export type RateLimitGate = (action: RateLimitAction) => Middleware;

export function rateLimitGate(limiter: RateLimiter, config: Config, metrics: CaptchaMetrics): RateLimitGate {
  return (action) => async (ctx, next) => {
    const perMinute = limitFor(action, config, ctx.state.site as Site | undefined);
    const decision = await limiter.consume(action, ctx.ip, perMinute);
    if (!decision.allowed) {
      metrics.rateLimited(action);
      throw new AppError(429, 'rate_limited', 'Too many requests from this address; slow down.', {
        'Retry-After': String(decision.retryAfterSeconds),
      });
    }
    await next();
  };
}
