import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { createHash } from 'node:crypto';
import type { DataEpoch, SiteRepository, UsedTokens } from '../sites/ports.js';
import { apiKeyId, hashApiKey, isSitekey, MAX_API_KEY_LENGTH, type WidgetMode } from '../sites/site.js';
import type { ResponseTokens } from './response-token.js';

export type VerifyOutcome =
  | {
      readonly success: true;
      readonly sitekey: string;
      readonly timestamp: string;
      readonly origin: string;
      /** True for a retry with the same idempotency key: the success was counted before. */
      readonly replayed: boolean;
      /** What the visitor solved: an image, a puzzle, or a puzzle and an image. */
      readonly mode: WidgetMode;
    }
  | { readonly success: false; readonly code: 'response_invalid' }
  | { readonly success: false; readonly code: 'response_timeout' | 'response_duplicate'; readonly sitekey: string };

export interface SiteverifyOptions {
  readonly sites: SiteRepository;
  /** Told of every key that authenticates, to keep its "last used" time; must return at once. */
  readonly keyUsage: { used(accountId: string, keyId: string): void };
  readonly tokens: ResponseTokens;
  readonly usedTokens: UsedTokens;
  readonly epoch: DataEpoch;
  readonly clock: Clock;
  /** How long after the first verification a retry with the same idempotency key still succeeds. */
  readonly retryWindowMs: number;
}

/** A siteverify call's parameters, parsed and type-checked at the edge; empty values are absent. */
export interface SiteverifyRequest {
  readonly response: string;
  readonly sitekey?: string | undefined;
  readonly idempotencyKey?: string | undefined;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

/** RFC 3339 in UTC, to the second, as the reference shows it. */
export function rfc3339(ms: number): string {
  // toISOString always ends in ".sssZ" for the years tokens can carry.
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * The siteverify rules: who may verify (API key → account), which tokens are
 * genuine, and that each verifies successfully at most once.
 */
export class Siteverify {
  constructor(private readonly options: SiteverifyOptions) {}

  /** The account an API key belongs to; throws auth_required or auth_invalid. */
  async authenticate(apiKey: string | undefined): Promise<string> {
    if (apiKey === undefined || apiKey === '') throw new AppError('auth_required');
    if (apiKey.length > MAX_API_KEY_LENGTH) throw new AppError('auth_invalid');
    // Looked up by hash: the secret is never compared, so nothing about it leaks through timing.
    const keyHash = hashApiKey(apiKey);
    const accountId = await this.options.sites.accountForKey(keyHash);
    if (!accountId) throw new AppError('auth_invalid');
    this.options.keyUsage.used(accountId, apiKeyId(keyHash));
    return accountId;
  }

  /**
   * Beyond the reference: an optional `idempotency_key` makes a retried
   * verification of the same token (after a lost reply, say) succeed again,
   * marked as replayed, within `retryWindowMs` of the first; any other second
   * use, and any retry after the window, is a duplicate.
   */
  async verify(accountId: string, request: SiteverifyRequest): Promise<VerifyOutcome> {
    const { response, sitekey: wantedSitekey } = request;
    const fingerprint = request.idempotencyKey === undefined ? undefined : idempotencyFingerprint(request.idempotencyKey);

    const claims = this.options.tokens.verify(response);
    const sitekeyVouchedFor = claims !== undefined && claims.sitekey === wantedSitekey && claims.accountId === accountId;
    if (wantedSitekey !== undefined && !sitekeyVouchedFor) await this.requireOwnSite(accountId, wantedSitekey);
    if (!claims || claims.accountId !== accountId) return { success: false, code: 'response_invalid' };
    // A token from before Redis lost its data cannot prove it was not used already.
    if (claims.epoch !== this.options.epoch.current()) return { success: false, code: 'response_invalid' };
    if (wantedSitekey !== undefined && claims.sitekey !== wantedSitekey) return { success: false, code: 'response_invalid' };

    const now = this.options.clock.now();
    if (now >= claims.expiresAt) return { success: false, code: 'response_timeout', sitekey: claims.sitekey };
    const ttlSeconds = Math.max(1, Math.ceil((claims.expiresAt - now) / 1000));
    const mark = await this.options.usedTokens.markUsed(claims.id, ttlSeconds, fingerprint, now);
    const retryInWindow = mark.kind === 'retry' && now - mark.firstVerifiedAt <= this.options.retryWindowMs;
    if (mark.kind === 'duplicate' || (mark.kind === 'retry' && !retryInWindow)) {
      return { success: false, code: 'response_duplicate', sitekey: claims.sitekey };
    }
    return {
      success: true,
      sitekey: claims.sitekey,
      timestamp: rfc3339(claims.solvedAt),
      origin: claims.origin,
      replayed: retryInWindow,
      mode: claims.mode ?? 'image',
    };
  }

  private async requireOwnSite(accountId: string, sitekey: string): Promise<void> {
    const site = isSitekey(sitekey) ? await this.options.sites.getSite(sitekey) : undefined;
    if (site?.accountId !== accountId) throw new AppError('sitekey_invalid');
  }
}

function idempotencyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}
