import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { CaptchaMetrics } from '../../../shared/adapters/metrics/captcha-metrics.js';
import type { Siteverify } from '../../../shared/domain/token/siteverify.js';
import { AppError, badRequest } from '../../../shared/domain/errors.js';
import { SITEVERIFY_ERRORS, siteverifyErrorBody } from '../wire/siteverify-errors.js';
import { parseSiteverifyRequest } from '../wire/siteverify-request.js';
import type { ErrorRenderer } from '../error-handler.js';
import type { RateLimitGate } from '../rate-limit.js';
import { bodyKind } from '../body-parser.js';

export interface SiteverifyRoutesOptions {
  readonly siteverify: Siteverify;
  readonly metrics: CaptchaMetrics;
  readonly parseBody: Middleware;
  readonly limit: RateLimitGate;
}

/** Any client error the reference has no code for is its catch-all, bad_request. */
const renderSiteverifyError: ErrorRenderer = (error) => {
  const keep = error.code in SITEVERIFY_ERRORS || error.status >= 500 || error.status === 429;
  const code = keep ? error.code : 'bad_request';
  const detail = keep ? error.detail : `Something is wrong with your request: ${error.detail}`;
  return { status: error.status, body: siteverifyErrorBody(code, detail) };
};

/** POST /api/v2/captcha/siteverify, wire-compatible with Friendly Captcha v2. */
const OUTCOMES = { response_invalid: 'invalid', response_timeout: 'timeout', response_duplicate: 'duplicate' } as const;

export function siteverifyRoutes({ siteverify, metrics, parseBody, limit }: SiteverifyRoutesOptions): Router {
  const router = new Router();
  const postOnly: Middleware = async (ctx, next) => {
    ctx.state.renderError = renderSiteverifyError;
    ctx.set('Cache-Control', 'no-store');
    if (ctx.method !== 'POST') throw new AppError('method_not_allowed', 'Use POST for siteverify.');
    await next();
  };
  router.all('/api/v2/captcha/siteverify', postOnly, limit('siteverify'), async (ctx) => {
    const accountId = await siteverify.authenticate(ctx.get('X-API-Key') || undefined);
    await parseBody(ctx, () => Promise.resolve());
    // An object without `response` is response_missing, as the reference says; no body, or one of another type, is bad_request.
    if (ctx.request.length === 0 || bodyKind(ctx) === undefined) {
      throw badRequest('Send a JSON object or form fields.');
    }
    const outcome = await siteverify.verify(accountId, parseSiteverifyRequest(ctx.request.body));
    const label = outcome.success ? (outcome.replayed ? 'replayed' : 'success') : OUTCOMES[outcome.code];
    metrics.verified('siteverify', label, 'sitekey' in outcome ? outcome.sitekey : undefined);
    if (outcome.success) {
      const challenge = { timestamp: outcome.timestamp, origin: outcome.origin };
      // `mode` is ours, beyond the reference: what the visitor solved (image, pow or pow+image).
      const data = { challenge, mode: outcome.mode };
      ctx.body = { success: true, data: outcome.replayed ? { ...data, replayed: true } : data };
    } else {
      ctx.body = siteverifyErrorBody(outcome.code, SITEVERIFY_ERRORS[outcome.code].detail);
    }
  });
  return router;
}
