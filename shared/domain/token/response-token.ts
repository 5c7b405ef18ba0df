import { createHmac, timingSafeEqual } from 'node:crypto';
import { secureRandomBytes } from '../secure-random.js';
import { isWidgetMode, type WidgetMode } from '../sites/site.js';

/** What a response token vouches for: one solved challenge, on one site, from one page origin. */
export interface TokenClaims {
  /** Random id (128 bits) for the single-use check; unrelated to the captcha id and answer. */
  readonly id: string;
  readonly sitekey: string;
  /** The account that owned the site when the token was made; siteverify keys must belong to it. */
  readonly accountId: string;
  readonly origin: string;
  /** When the captcha was solved (ms since the epoch). */
  readonly solvedAt: number;
  readonly expiresAt: number;
  /** The store's data epoch when the token was made (see DataEpoch). */
  readonly epoch: string;
  /** What the visitor solved: an image, a puzzle, or both; absent means an image. */
  readonly mode?: WidgetMode;
}

/** Tokens never grow past this; anything longer is rejected before any work. */
export const MAX_TOKEN_LENGTH = 1024;
export const MIN_SECRET_LENGTH = 32;
const VERSION = 'v1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Signs and checks response tokens: `v1.<claims>.<HMAC-SHA256>` in base64url.
 * A token cannot be forged without the server secret, and it is checked in
 * constant time. Single use is enforced separately, in Redis.
 */
export class ResponseTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < MIN_SECRET_LENGTH) throw new RangeError(`the token secret needs at least ${MIN_SECRET_LENGTH} characters`);
    this.key = Buffer.from(secret, 'utf8');
  }

  static newId(): string {
    return secureRandomBytes(16).toString('base64url');
  }

  sign(claims: TokenClaims): string {
    const fields: unknown[] = [claims.id, claims.sitekey, claims.accountId, claims.origin, claims.solvedAt, claims.expiresAt, claims.epoch];
    // Image tokens keep their original seven fields, so pods from before modes existed still verify them.
    if (claims.mode !== undefined && claims.mode !== 'image') fields.push(claims.mode);
    const body = Buffer.from(JSON.stringify(fields)).toString('base64url');
    return `${VERSION}.${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The claims of a genuine token (expired or not); undefined for anything forged or malformed. */
  verify(token: string): TokenClaims | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const [version, body, signature, ...rest] = token.split('.');
    if (version !== VERSION || !body || !signature || rest.length > 0) return undefined;
    // Node's base64url decoder skips characters outside the alphabet: without this, "token " would verify.
    if (!BASE64URL.test(body) || !BASE64URL.test(signature)) return undefined;
    const given = Buffer.from(signature, 'base64url');
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return parseClaims(Buffer.from(body, 'base64url').toString('utf8'));
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(`${VERSION}.${body}`).digest();
  }
}

function parseClaims(json: string): TokenClaims | undefined {
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value) || (value.length !== 7 && value.length !== 8)) return undefined;
    const [id, sitekey, accountId, origin, solvedAt, expiresAt, epoch, mode] = value as unknown[];
    if (typeof id !== 'string' || typeof sitekey !== 'string' || typeof accountId !== 'string' || typeof epoch !== 'string') return undefined;
    if (typeof origin !== 'string' || typeof solvedAt !== 'number' || typeof expiresAt !== 'number') return undefined;
    if (value.length === 8 && !isWidgetMode(mode)) return undefined;
    return { id, sitekey, accountId, origin, solvedAt, expiresAt, epoch, ...(isWidgetMode(mode) ? { mode } : {}) };
  } catch {
    return undefined;
  }
}
