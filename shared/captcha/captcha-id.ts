import { randomBytes } from 'node:crypto';

const ID_PATTERN = /^[0-9a-f]{40}$/;

/** A fresh captcha id: 160 random bits from the CSPRNG as 40 lowercase hex characters. */
export function newCaptchaId(): string {
  return randomBytes(20).toString('hex');
}

/** Normalises a client-supplied id; undefined when it cannot be one of ours. */
export function parseCaptchaId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = value.trim().toLowerCase();
  return ID_PATTERN.test(id) ? id : undefined;
}
