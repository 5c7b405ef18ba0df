import { hash, randomBytes } from 'node:crypto';
import type { SiteLimits } from '../abuse/ports.js';

/** A site that embeds the widget: public sitekey, the account that owns it, where it may run. */
export interface Site {
  readonly sitekey: string;
  readonly accountId: string;
  readonly name: string;
  readonly origins: readonly string[];
  /** Per-IP rate limits of this site's widget, where they differ from the defaults. */
  readonly limits?: SiteLimits;
  /** How the widget tells people from bots; sites made before modes existed have none and keep `image`. */
  readonly mode?: WidgetMode;
  /** Average SHA-256 hashes of this site's proof-of-work puzzles, where it differs from POW_WORK. */
  readonly powWork?: number;
}

/**
 * What a site's widget asks of a visitor: `image`, an image captcha; `pow`, an
 * invisible proof-of-work puzzle; `pow+image`, the puzzle, plus an image for
 * clients whose recent behaviour calls for a step-up.
 */
export const WIDGET_MODES = ['image', 'pow', 'pow+image'] as const;

export type WidgetMode = (typeof WIDGET_MODES)[number];

export const isWidgetMode = (value: unknown): value is WidgetMode =>
  typeof value === 'string' && (WIDGET_MODES as readonly string[]).includes(value);

export const modeOf = (site: Site): WidgetMode => site.mode ?? 'image';

/** Whether a page with this origin (as the browser sent it) may show the site's widget. */
export const allowsOrigin = (site: Site, origin: string): boolean => site.origins.includes(origin);

export interface Account {
  readonly accountId: string;
  readonly name: string;
  /** When it was made, as an ISO 8601 time. */
  readonly createdAt?: string;
}

/** What an operator sees of an API key: never the key, nor its hash. */
export interface ApiKeyInfo {
  readonly keyId: string;
  /** The operator's own name for it ("production", "staging"); empty for keys made before keys had labels. */
  readonly label: string;
  /** ISO 8601; absent for keys made before keys had dates. */
  readonly createdAt?: string;
  /** The last successful siteverify authentication with it, to within a minute (ISO 8601); absent if never used. */
  readonly lastUsedAt?: string;
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `count` characters drawn uniformly from the base32 alphabet (5 random bits each; not a base32 encoding of anything). */
function randomBase32Characters(count: number): string {
  let out = '';
  for (const byte of randomBytes(count)) out += BASE32_ALPHABET.charAt(byte & 31);
  return out;
}

/** Public and random, shaped like Friendly Captcha's: "FC" and 14 base32 characters. */
export function newSitekey(): string {
  return `FC${randomBase32Characters(14)}`;
}

export function newAccountId(): string {
  return `acct_${randomBytes(9).toString('base64url')}`;
}

const SITEKEY_PATTERN = /^FC[A-Z2-7]{14}$/;

export const isSitekey = (value: unknown): value is string => typeof value === 'string' && SITEKEY_PATTERN.test(value);

export const isAccountId = (value: unknown): value is string => typeof value === 'string' && /^acct_[A-Za-z0-9_-]{12}$/.test(value);

export const isApiKeyId = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{12}$/.test(value);

/** 256 random bits. Shown once when created; only its SHA-256 is stored. */
export function newApiKey(): string {
  return `cck_${randomBytes(32).toString('base64url')}`;
}

/**
 * API keys are high-entropy random strings, so a plain SHA-256 is a safe
 * storage hash (no dictionary to attack) and lets a lookup by hash replace any
 * comparison with the secret itself.
 */
export function hashApiKey(apiKey: string): string {
  // The one-shot hash: half the CPU of a Hash object, on every siteverify.
  return hash('sha256', apiKey, 'hex');
}

/** The short, non-secret name of a key, for listing and revoking. */
export function apiKeyId(keyHash: string): string {
  return keyHash.slice(0, 12);
}

export const MAX_API_KEY_LENGTH = 128;

/**
 * An allowed origin as browsers send it: scheme, host and port only. Returns
 * undefined for anything else (paths, wildcards, other schemes).
 */
export function normalizeOrigin(value: string): string | undefined {
  if (value.length > 255 || !/^https?:\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?\/?$/i.test(value)) return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}
