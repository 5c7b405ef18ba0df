import { AppError } from '../errors.js';

/** The Friendly Captcha v2 siteverify error codes, with the reference's HTTP status of each. */
export const SITEVERIFY_ERRORS = {
  auth_required: { status: 401, detail: 'You forgot to set the X-API-Key header.' },
  auth_invalid: { status: 401, detail: 'The API key you provided was invalid.' },
  sitekey_invalid: { status: 400, detail: 'The sitekey in your request is invalid.' },
  response_missing: { status: 400, detail: 'You forgot to add the response parameter.' },
  response_invalid: { status: 200, detail: 'The response you provided was invalid.' },
  response_timeout: { status: 200, detail: 'The response has expired.' },
  response_duplicate: { status: 200, detail: 'The response has already been used.' },
  bad_request: { status: 400, detail: 'Something else is wrong with your request.' },
  method_not_allowed: { status: 405, detail: 'Use POST for siteverify.' },
} as const;

export type SiteverifyErrorCode = keyof typeof SITEVERIFY_ERRORS;

export function siteverifyError(code: SiteverifyErrorCode, detail?: string): AppError {
  const known = SITEVERIFY_ERRORS[code];
  return new AppError(known.status, code, detail ?? known.detail);
}

/** The reference's failure envelope. */
export function siteverifyErrorBody(code: string, detail: string): { success: false; error: { error_code: string; detail: string } } {
  return { success: false, error: { error_code: code, detail } };
}
