import type { Clock } from '../clock.js';
import type { SiteRepository, StoredApiKey } from './ports.js';
import type { Account, ApiKeyInfo, Site } from './site.js';

export interface CachedSitesOptions {
  readonly clock: Clock;
  /** Longest a remembered record is used; 0 remembers nothing. */
  readonly maxAgeMs: number;
  /** Records remembered per kind; the oldest is forgotten first. */
  readonly maxEntries: number;
}

interface Remembered<T> {
  readonly value: T;
  readonly at: number;
}

/**
 * The site repository with a pod's memory of the two records every widget
 * and siteverify request reads (a site, and the account an API key belongs
 * to), so that such a request costs one Redis round trip, not two. Only
 * records that exist are remembered: a new key or site works at once, and
 * guessing keys fills nothing. `clear()` forgets everything; it runs on every
 * write here and whenever any pod announces a change, and `maxAgeMs` bounds
 * what a pod that missed an announcement can still answer.
 */
export class CachedSites implements SiteRepository {
  private readonly sites = new Map<string, Remembered<Site>>();
  private readonly keyAccounts = new Map<string, Remembered<string>>();
  /** Bumped by every clear(): a read that began before a change must not remember what it read. */
  private generation = 0;

  constructor(
    private readonly store: SiteRepository,
    private readonly options: CachedSitesOptions,
  ) {}

  clear(): void {
    this.generation++;
    this.sites.clear();
    this.keyAccounts.clear();
  }

  getSite(sitekey: string): Promise<Site | undefined> {
    return this.remembered(this.sites, sitekey, () => this.store.getSite(sitekey));
  }

  accountForKey(keyHash: string): Promise<string | undefined> {
    return this.remembered(this.keyAccounts, keyHash, () => this.store.accountForKey(keyHash));
  }

  // Writes go to the store and clear this pod's memory at once; the store announces them to the others.
  saveSite(site: Site): Promise<void> {
    return this.write(() => this.store.saveSite(site));
  }
  deleteSite(sitekey: string): Promise<boolean> {
    return this.write(() => this.store.deleteSite(sitekey));
  }
  saveAccount(account: Account): Promise<void> {
    return this.write(() => this.store.saveAccount(account));
  }
  deleteAccount(accountId: string): Promise<boolean> {
    return this.write(() => this.store.deleteAccount(accountId));
  }
  addKey(accountId: string, key: StoredApiKey): Promise<void> {
    return this.write(() => this.store.addKey(accountId, key));
  }
  revokeKey(accountId: string, keyId: string): Promise<boolean> {
    return this.write(() => this.store.revokeKey(accountId, keyId));
  }

  // Listings and the last-use note are rare (operators) or write-only: they always go to the store.
  listSites(): Promise<Site[]> {
    return this.store.listSites();
  }
  getAccount(accountId: string): Promise<Account | undefined> {
    return this.store.getAccount(accountId);
  }
  listAccounts(): Promise<Account[]> {
    return this.store.listAccounts();
  }
  listKeys(accountId: string): Promise<ApiKeyInfo[]> {
    return this.store.listKeys(accountId);
  }
  recordKeyUse(accountId: string, keyId: string, atMs: number): Promise<void> {
    return this.store.recordKeyUse(accountId, keyId, atMs);
  }

  private async write<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      this.clear();
    }
  }

  private async remembered<T>(memory: Map<string, Remembered<T>>, id: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const { clock, maxAgeMs, maxEntries } = this.options;
    const now = clock.now();
    const hit = memory.get(id);
    if (hit && now - hit.at < maxAgeMs) return hit.value;
    memory.delete(id);
    const generation = this.generation;
    const value = await read();
    if (value !== undefined && maxAgeMs > 0 && generation === this.generation) {
      if (memory.size >= maxEntries) {
        const oldest = memory.keys().next();
        if (!oldest.done) memory.delete(oldest.value);
      }
      memory.set(id, { value, at: now });
    }
    return value;
  }
}
