/**
 * The one error type the services map to their wire formats. `code` is stable
 * and machine-readable; `detail` is safe to show to a client.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export const badRequest = (detail: string): AppError => new AppError(400, 'bad_request', detail);

export const notFound = (detail = 'Not found.'): AppError => new AppError(404, 'not_found', detail);

export const poolExhausted = (retryAfterSeconds: number): AppError =>
  new AppError(503, 'pool_exhausted', 'No captcha is available right now; try again shortly.', {
    'Retry-After': String(retryAfterSeconds),
  });

export const storeUnavailable = (): AppError =>
  new AppError(503, 'store_unavailable', 'The captcha store is unavailable; try again shortly.', {
    'Retry-After': '1',
  });

/** Turns anything thrown into an AppError, hiding internals behind a generic 500. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    const detail = status === 413 ? 'Request body too large.' : status === 415 ? 'Unsupported content type.' : 'Malformed request.';
    const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
    return new AppError(status, code, detail);
  }
  return new AppError(500, 'internal_error', 'Internal error.');
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // Koa and co-body use status; formidable (multipart) uses httpCode.
  const { status, statusCode, httpCode } = error as { status?: unknown; statusCode?: unknown; httpCode?: unknown };
  return [status, statusCode, httpCode].find((value): value is number => typeof value === 'number');
}

/** For `.catch()` on storage calls: any storage failure becomes a 503 that keeps its cause for the logs. */
export function rethrowAsUnavailable(cause: unknown): never {
  throw Object.assign(storeUnavailable(), { cause });
}
