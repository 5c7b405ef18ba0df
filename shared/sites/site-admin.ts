import type { SiteLimits } from '../abuse/rate-limits.js';
import { AppError } from '../errors.js';
import type { SiteRepository } from './ports.js';
import { apiKeyId, hashApiKey, newAccountId, newApiKey, newSitekey, normalizeOrigin, type Site } from './site.js';

export interface NewKey {
  readonly accountId: string;
  readonly keyId: string;
  /** The secret itself: shown once, never stored. */
  readonly apiKey: string;
}

const invalid = (detail: string): AppError => new AppError(400, 'invalid_argument', detail);

/** What an operator does with sites and keys; the admin CLI is a thin shell over it. */
export class SiteAdmin {
  constructor(private readonly repository: SiteRepository) {}

  async createAccount(name: string): Promise<NewKey> {
    const accountId = newAccountId();
    await this.repository.saveAccount({ accountId, name: name.trim() || accountId });
    return this.addKey(accountId);
  }

  async addKey(accountId: string): Promise<NewKey> {
    await this.requireAccount(accountId);
    const apiKey = newApiKey();
    const keyHash = hashApiKey(apiKey);
    const keyId = apiKeyId(keyHash);
    await this.repository.addKey(accountId, keyId, keyHash);
    return { accountId, keyId, apiKey };
  }

  async revokeKey(accountId: string, keyId: string): Promise<void> {
    if (!(await this.repository.revokeKey(accountId, keyId))) throw invalid(`account ${accountId} has no key ${keyId}`);
  }

  async listKeyIds(accountId: string): Promise<string[]> {
    await this.requireAccount(accountId);
    return this.repository.listKeyIds(accountId);
  }

  /** Creates a site; without an account, creates one too and returns its first key. */
  async createSite(options: { name: string; origins: readonly string[]; accountId?: string }): Promise<{ site: Site; key?: NewKey }> {
    const origins = normalizeOrigins(options.origins);
    let key: NewKey | undefined;
    let accountId = options.accountId;
    if (accountId === undefined) {
      key = await this.createAccount(options.name);
      accountId = key.accountId;
    } else {
      await this.requireAccount(accountId);
    }
    const site: Site = { sitekey: newSitekey(), accountId, name: options.name.trim() || 'site', origins };
    await this.repository.saveSite(site);
    return key ? { site, key } : { site };
  }

  async setOrigins(sitekey: string, origins: readonly string[]): Promise<Site> {
    const site = await this.repository.getSite(sitekey);
    if (!site) throw invalid(`no site ${sitekey}`);
    const updated = { ...site, origins: normalizeOrigins(origins) };
    await this.repository.saveSite(updated);
    return updated;
  }

  /** Sets (or, with undefined, clears) a site's own per-IP limits. */
  async setLimits(sitekey: string, limits: SiteLimits): Promise<Site> {
    const site = await this.repository.getSite(sitekey);
    if (!site) throw invalid(`no site ${sitekey}`);
    for (const value of Object.values(limits)) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw invalid('limits are whole numbers per minute, 0 for none');
    }
    const updated: Site = { ...site, limits };
    await this.repository.saveSite(updated);
    return updated;
  }

  listSites(): Promise<Site[]> {
    return this.repository.listSites();
  }

  private async requireAccount(accountId: string): Promise<void> {
    if (!(await this.repository.getAccount(accountId))) throw invalid(`no account ${accountId}`);
  }
}

function normalizeOrigins(origins: readonly string[]): string[] {
  const normalized = origins.map((origin) => {
    const value = normalizeOrigin(origin);
    if (!value) throw invalid(`not an origin (scheme://host[:port]): ${origin}`);
    return value;
  });
  return [...new Set(normalized)];
}
