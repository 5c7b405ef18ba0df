import { AppError } from '../../../shared/domain/errors.js';

/**
 * Turns anything a request handler throws into an AppError. HTTP errors of
 * Koa and its body parsers (co-body, raw-body) carry a 4xx `status`; they become
 * the catalogue's codes. Anything else hides behind a generic 500.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const status = httpStatusOf(error);
  if (status === 413) return new AppError('payload_too_large');
  if (status === 415) return new AppError('unsupported_media_type');
  if (status !== undefined && status >= 400 && status < 500) return new AppError('bad_request');
  return new AppError('internal_error');
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  return [status, statusCode].find((value): value is number => typeof value === 'number');
}
