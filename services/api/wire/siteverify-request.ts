import { z } from 'zod';
import { AppError, badRequest } from '../../../shared/domain/errors.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH, type SiteverifyRequest } from '../../../shared/domain/token/siteverify.js';

/** Form fields and JSON alike may send an empty or null value for "none". */
const absentIfEmpty = (value: unknown): unknown => (value === null || value === '' ? undefined : value);

const optionalString = (message: string, maxLength = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(absentIfEmpty, z.string({ error: message }).max(maxLength, { error: message }).optional());

// Checked in this order, so one answer names the first thing wrong.
const siteverifyFields = z.object({
  idempotency_key: optionalString(`idempotency_key must be a string of at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`, MAX_IDEMPOTENCY_KEY_LENGTH),
  response: optionalString('The response parameter must be a string.'),
  sitekey: optionalString('The sitekey parameter must be a string.'),
});

/**
 * The parameters of a siteverify body (a JSON object or form fields), typed
 * for the domain. A missing response is the reference's response_missing;
 * a value of the wrong type is bad_request. Unknown fields are ignored, as
 * the reference does.
 */
export function parseSiteverifyRequest(body: unknown): SiteverifyRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body is not an object.');
  const parsed = siteverifyFields.safeParse(body);
  if (!parsed.success) throw badRequest(parsed.error.issues[0]?.message ?? 'Malformed request.');
  const { response, sitekey, idempotency_key: idempotencyKey } = parsed.data;
  if (response === undefined) throw new AppError('response_missing');
  return { response, sitekey, idempotencyKey };
}
