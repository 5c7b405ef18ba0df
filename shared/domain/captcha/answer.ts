import { timingSafeEqual } from 'node:crypto';

/** Longest typed answer worth comparing; anything longer is wrong by definition. */
export const MAX_TYPED_ANSWER_LENGTH = 64;

/** Case and surrounding white space do not matter to a person typing an answer. */
export function normalizeAnswer(text: string): string {
  return text.trim().toUpperCase();
}

/** Constant-time comparison of a typed answer with the stored one. */
export function answerMatches(expected: string, typed: string): boolean {
  if (typed.length > MAX_TYPED_ANSWER_LENGTH) return false;
  const want = Buffer.from(normalizeAnswer(expected));
  const got = Buffer.from(normalizeAnswer(typed));
  // timingSafeEqual needs equal lengths; comparing `want` with itself keeps the time the same.
  if (want.length !== got.length) return !timingSafeEqual(want, want);
  return timingSafeEqual(want, got);
}
