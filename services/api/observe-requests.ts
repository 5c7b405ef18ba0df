import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { CaptchaMetrics } from '../../shared/adapters/metrics/captcha-metrics.js';

/**
 * Times every request into the duration histogram and writes one debug log
 * line, both naming the route template and never the raw URL: classic test
 * URLs carry the typed answer, and raw paths would make unbounded labels.
 */
export function observeRequests(logger: Logger, metrics: CaptchaMetrics): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = ctx._matchedRoute === undefined ? 'unmatched' : String(ctx._matchedRoute);
      metrics.request(route, ctx.method.length <= 7 ? ctx.method : 'OTHER', ctx.status, seconds);
      logger.debug({ method: ctx.method, route, status: ctx.status, ms: Math.round(seconds * 1000) }, 'request');
    }
  };
}
