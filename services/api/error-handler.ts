import type { Context, Middleware } from 'koa';
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

export interface ErrorWriterOptions {
  readonly logger: Logger;
  /** Told of every error, e.g. to count Redis failures. */
  readonly onError?: (error: AppError) => void;
  /** The envelope for a request that set none on ctx.state (classic v2/v3 by path); generic JSON otherwise. */
  readonly rendererFor?: (ctx: Context) => ErrorRenderer | undefined;
}

/** What ends a request that reached no route: an empty 404 becomes the API's not_found. */
export function throwIfUnanswered(ctx: Context): void {
  if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', 'No such resource.');
}

/**
 * Writes anything thrown as JSON with a stable code, in the envelope of the
 * API that was called; internals are logged, never sent.
 */
export function errorWriter({ logger, onError, rendererFor }: ErrorWriterOptions): (ctx: Context, thrown: unknown) => void {
  return (ctx, thrown) => {
    const error = toAppError(thrown);
    onError?.(error);
    if (error.status >= 500) {
      const cause = error === thrown ? (thrown as { cause?: unknown }).cause : thrown;
      logger.error({ err: cause, code: error.code, route: ctx._matchedRoute ?? null }, 'request failed');
    }
    const render = ctx.state.renderError ?? rendererFor?.(ctx) ?? genericBody;
    const { status, body } = render(error);
    ctx.status = status;
    ctx.set(error.headers);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
}

/** The error writer as a middleware of its own, first in a chain (the ops port's admin API). */
export function errorHandler(logger: Logger): Middleware {
  const writeError = errorWriter({ logger });
  return async (ctx, next) => {
    try {
      await next();
      throwIfUnanswered(ctx);
    } catch (thrown) {
      writeError(ctx, thrown);
    }
  };
}
