import { ERROR_CODES, type ErrorCode } from '../../../shared/domain/errors.js';

/** The codes siteverify answers in its own envelope (the Friendly Captcha v2 reference's, plus 405), each with the reference's HTTP status (from the catalogue). */
export const SITEVERIFY_ERROR_CODES = [
  'auth_required',
  'auth_invalid',
  'sitekey_invalid',
  'response_missing',
  'response_invalid',
  'response_timeout',
  'response_duplicate',
  'bad_request',
  'method_not_allowed',
] as const satisfies readonly ErrorCode[];

export type SiteverifyErrorCode = (typeof SITEVERIFY_ERROR_CODES)[number];

export const SITEVERIFY_ERRORS: Readonly<Record<SiteverifyErrorCode, { status: number; detail: string }>> = Object.fromEntries(
  SITEVERIFY_ERROR_CODES.map((code) => [code, ERROR_CODES[code]]),
) as Record<SiteverifyErrorCode, { status: number; detail: string }>;

/** The reference's failure envelope. */
export function siteverifyErrorBody(code: string, detail: string): { success: false; error: { error_code: string; detail: string } } {
  return { success: false, error: { error_code: code, detail } };
}
