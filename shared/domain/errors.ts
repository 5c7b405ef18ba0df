/**
 * Every error code the service answers with, its HTTP status and its default
 * detail: one catalogue, so a code means the same thing on every route. The
 * siteverify codes are the Friendly Captcha v2 reference's own (three of them
 * are verdicts answered with 200, not errors thrown).
 */
export const ERROR_CODES = {
  bad_request: { status: 400, detail: 'Malformed request.' },
  invalid_argument: { status: 400, detail: 'An argument is missing or invalid.' },
  files_not_accepted: { status: 400, detail: 'File uploads are not accepted; send form fields only.' },
  payload_too_large: { status: 413, detail: 'Request body too large.' },
  unsupported_media_type: { status: 415, detail: 'Unsupported content type.' },
  not_found: { status: 404, detail: 'No such resource.' },
  method_not_allowed: { status: 405, detail: 'Method not allowed on this resource.' },
  rate_limited: { status: 429, detail: 'Too many requests from this address; slow down.' },

  captcha_not_found: { status: 404, detail: 'No live captcha has this id.' },
  challenge_expired: { status: 404, detail: 'The challenge expired or was used; load a new one.' },
  sitekey_unknown: { status: 404, detail: 'No site has this sitekey.' },
  origin_not_allowed: { status: 403, detail: 'This page origin is not allowed for the site.' },
  puzzle_required: { status: 409, detail: 'This site needs a solved puzzle: post it to /proof.' },

  auth_required: { status: 401, detail: 'You forgot to set the X-API-Key header.' },
  auth_invalid: { status: 401, detail: 'The API key you provided was invalid.' },
  sitekey_invalid: { status: 400, detail: 'The sitekey in your request is invalid.' },
  response_missing: { status: 400, detail: 'You forgot to add the response parameter.' },
  response_invalid: { status: 200, detail: 'The response you provided was invalid.' },
  response_timeout: { status: 200, detail: 'The response has expired.' },
  response_duplicate: { status: 200, detail: 'The response has already been used.' },

  unauthorized: { status: 401, detail: 'Send Authorization: Bearer <admin token> with a valid admin token.' },
  account_unknown: { status: 404, detail: 'No account has this id.' },
  key_unknown: { status: 404, detail: 'The account has no API key with this id.' },
  origin_invalid: { status: 400, detail: 'An allowed origin is scheme://host[:port], nothing more.' },
  account_has_sites: { status: 409, detail: 'The account still has sites; delete them first.' },

  pool_exhausted: { status: 503, detail: 'No captcha is available right now; try again shortly.' },
  store_unavailable: { status: 503, detail: 'The captcha store is unavailable; try again shortly.' },
  audio_unavailable: { status: 503, detail: 'Audio captchas are not available on this server (its speech clips were not built).' },
  widget_not_built: { status: 503, detail: 'Run `npm run build` to build the widget.' },
  internal_error: { status: 500, detail: 'Internal error.' },
} as const satisfies Record<string, { readonly status: number; readonly detail: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error type the services map to their wire formats. `code` is stable
 * and machine-readable and fixes the HTTP status; `detail` is safe to show to a client.
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string = ERROR_CODES[code].detail,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
  }
}

export const badRequest = (detail: string): AppError => new AppError('bad_request', detail);

export const invalidArgument = (detail: string): AppError => new AppError('invalid_argument', detail);

export const poolExhausted = (retryAfterSeconds: number): AppError =>
  new AppError('pool_exhausted', undefined, { 'Retry-After': String(retryAfterSeconds) });

export const storeUnavailable = (): AppError => new AppError('store_unavailable', undefined, { 'Retry-After': '1' });

/** For `.catch()` on storage calls: any storage failure becomes a 503 that keeps its cause for the logs. */
export function rethrowAsUnavailable(cause: unknown): never {
  throw Object.assign(storeUnavailable(), { cause });
}
