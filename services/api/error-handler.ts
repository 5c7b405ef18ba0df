import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../../shared/domain/errors.js';
import type {} from './request-state.js';
import { toAppError } from './wire/to-app-error.js';

/** Turns an AppError into a status and body; each API sets its own on ctx.state.renderError. */
export type ErrorRenderer = (error: AppError) => { status: number; body: unknown };

const genericBody: ErrorRenderer = (error) => ({
  status: error.status,
  body: { error: { code: error.code, detail: error.detail } },
});

/**
 * First in the chain: every error leaves as JSON with a stable code, in the
 * envelope of the API that was called; internals are logged, never sent.
 */
export function errorHandler(logger: Logger, onError: (error: AppError) => void = () => undefined): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', 'No such resource.');
    } catch (thrown) {
      const error = toAppError(thrown);
      onError(error);
      if (error.status >= 500) {
        const cause = error === thrown ? (thrown as { cause?: unknown }).cause : thrown;
        logger.error({ err: cause, code: error.code, route: ctx._matchedRoute ?? null }, 'request failed');
      }
      const render = ctx.state.renderError ?? genericBody;
      const { status, body } = render(error);
      ctx.status = status;
      ctx.set(error.headers);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = body;
    }
  };
}
