import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { CaptchaMetrics } from '../../shared/adapters/metrics/captcha-metrics.js';

/**
 * Times a finished request into the duration histogram and, at debug level,
 * one log line, both naming the route template and never the raw URL: classic
 * test URLs carry the typed answer, and raw paths would make unbounded labels.
 */
export function requestObserver(logger: Logger, metrics: CaptchaMetrics): (ctx: Context, startedMs: number) => void {
  return (ctx, startedMs) => {
    const seconds = (performance.now() - startedMs) / 1000;
    const route = ctx._matchedRoute === undefined ? 'unmatched' : String(ctx._matchedRoute);
    const method = ctx.method.length <= 7 ? ctx.method : 'OTHER';
    metrics.request(route, method, ctx.status, seconds);
    // Checked first: building the line's object costs even when pino drops it.
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ method: ctx.method, route, status: ctx.status, ms: Math.round(seconds * 1000) }, 'request');
    }
  };
}
