import type { Account, Site } from './site.js';

/** Where sites, accounts and API key hashes live. Every read goes to the store, so changes reach all pods at once. */
export interface SiteRepository {
  getSite(sitekey: string): Promise<Site | undefined>;
  saveSite(site: Site): Promise<void>;
  listSites(): Promise<Site[]>;
  getAccount(accountId: string): Promise<Account | undefined>;
  saveAccount(account: Account): Promise<void>;
  /** The account whose key has this hash, if the key exists and is not revoked. */
  accountForKey(keyHash: string): Promise<string | undefined>;
  addKey(accountId: string, keyId: string, keyHash: string): Promise<void>;
  /** False when the account has no key with this id. */
  revokeKey(accountId: string, keyId: string): Promise<boolean>;
  listKeyIds(accountId: string): Promise<string[]>;
}

/** The outcome of marking a token used; a retry says when the first verification was. */
export type MarkResult =
  | { readonly kind: 'first' }
  | { readonly kind: 'retry'; readonly firstVerifiedAt: number }
  | { readonly kind: 'duplicate' };

/** Remembers which response tokens were verified. */
export interface UsedTokens {
  /**
   * 'first' the first time a token id is marked and 'duplicate' on every later
   * call (the single-use check), except 'retry' for a call that carries the
   * same non-empty idempotency fingerprint as the first, with the first's time.
   */
  markUsed(tokenId: string, ttlSeconds: number, fingerprint: string | undefined, now: number): Promise<MarkResult>;
}

/**
 * A value that changes whenever the store loses its data. Tokens carry it, so
 * a token verified before Redis restarted empty cannot be verified again.
 */
export interface DataEpoch {
  /** Throws a 503 AppError while the store's epoch is not known. */
  current(): string;
}
