import type { Context, Middleware } from 'koa';
import { throwIfUnanswered } from './error-handler.js';

export interface RequestFrameParts {
  /** True once a shutdown began: responses then close their connection. */
  readonly isDraining: () => boolean;
  /** Writes anything thrown below as the called API's error envelope. */
  readonly writeError: (ctx: Context, thrown: unknown) => void;
  /** Sets the response's security and caching headers by its type; a promise only for HTML pages. */
  readonly setHeaders: (ctx: Context) => Promise<void> | undefined;
  /** Records the finished request (metrics, debug log). */
  readonly observe: (ctx: Context, startedMs: number) => void;
}

/**
 * Everything every request gets, around the router, as one middleware: the
 * drain check, error envelopes, headers and the request's metrics. One frame
 * instead of a layer for each saves their async hops and closures on every
 * request, the hot paths' largest cost after Node's own HTTP work.
 */
export function requestFrame({ isDraining, writeError, setHeaders, observe }: RequestFrameParts): Middleware {
  return async (ctx, next) => {
    const startedMs = performance.now();
    if (isDraining()) ctx.set('Connection', 'close');
    try {
      try {
        await next();
        throwIfUnanswered(ctx);
      } catch (thrown) {
        writeError(ctx, thrown);
      }
      const pending = setHeaders(ctx);
      if (pending) await pending;
    } finally {
      observe(ctx, startedMs);
    }
  };
}
