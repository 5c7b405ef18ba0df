import { secureRandomBytes } from '../secure-random.js';

export const CAPTCHA_ID_LENGTH = 40;
const ID_PATTERN = /^[0-9a-f]{40}$/;

/**
 * A fresh captcha id: 40 lowercase hex characters, all from the CSPRNG except
 * an optional short hex `prefix` the store may choose (to place the captcha
 * on a storage shard). With a 4-character prefix that still leaves 144
 * random bits; nothing in an id depends on the answer.
 */
export function newCaptchaId(prefix = ''): string {
  if (!/^[0-9a-f]{0,8}$/.test(prefix)) throw new RangeError('an id prefix is at most 8 hex characters');
  const random = randomHex(CAPTCHA_ID_LENGTH);
  return prefix + random.slice(prefix.length);
}

function randomHex(characters: number): string {
  return secureRandomBytes(characters / 2).toString('hex');
}

/** Normalises a client-supplied id; undefined when it cannot be one of ours. */
export function parseCaptchaId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = value.trim().toLowerCase();
  return ID_PATTERN.test(id) ? id : undefined;
}
