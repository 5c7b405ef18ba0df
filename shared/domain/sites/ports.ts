import type { Account, ApiKeyInfo, Site } from './site.js';

/** An API key as stored: its hash and what an operator sees of it, never the key. */
export interface StoredApiKey {
  readonly keyId: string;
  readonly keyHash: string;
  readonly label: string;
  readonly createdAt: string;
}

/** Where sites, accounts and API key hashes live. Every read goes to the store, so changes reach all pods at once. */
export interface SiteRepository {
  getSite(sitekey: string): Promise<Site | undefined>;
  saveSite(site: Site): Promise<void>;
  /** False when there was no such site. */
  deleteSite(sitekey: string): Promise<boolean>;
  listSites(): Promise<Site[]>;
  getAccount(accountId: string): Promise<Account | undefined>;
  saveAccount(account: Account): Promise<void>;
  listAccounts(): Promise<Account[]>;
  /** Deletes the account with every key it holds, which stop authenticating at once. False when there was no such account. */
  deleteAccount(accountId: string): Promise<boolean>;
  /** The account whose key has this hash, if the key exists and is not revoked. */
  accountForKey(keyHash: string): Promise<string | undefined>;
  addKey(accountId: string, key: StoredApiKey): Promise<void>;
  /** False when the account has no key with this id. */
  revokeKey(accountId: string, keyId: string): Promise<boolean>;
  listKeys(accountId: string): Promise<ApiKeyInfo[]>;
  /** Notes that a key authenticated at `atMs`; a key revoked meanwhile stays gone. */
  recordKeyUse(accountId: string, keyId: string, atMs: number): Promise<void>;
}

/** What operators do to sites, accounts and keys; each is one entry in the audit log. */
export type AuditAction = 'account.create' | 'account.delete' | 'key.create' | 'key.revoke' | 'site.create' | 'site.update' | 'site.delete';

/** One admin action: who did what to which target, when. Never holds a secret: keys appear by id only. */
export interface AuditRecord {
  /** ISO 8601. */
  readonly at: string;
  /** "cli", or "token:<id>" for an admin API token. */
  readonly actor: string;
  readonly action: AuditAction;
  /** The sitekey, account id or key id acted on. */
  readonly target: string;
  /** The values set, as plain JSON. */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditEntry extends AuditRecord {
  /** Orders entries, newest last; a reader pages back with it. */
  readonly id: string;
}

export interface AuditQuery {
  readonly limit: number;
  /** Only entries older than the one with this id. */
  readonly before?: string | undefined;
}

/** The admin audit trail: bounded, oldest entries dropped first. */
export interface AuditLog {
  append(record: AuditRecord): Promise<void>;
  /** Newest first. */
  read(query: AuditQuery): Promise<AuditEntry[]>;
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
