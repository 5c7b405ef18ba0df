import type { SiteLimits } from '../abuse/ports.js';
import { AppError } from '../errors.js';
import type { SiteRepository } from './ports.js';
import { MAX_POW_WORK, MIN_POW_WORK } from '../pow/pow-policy.js';
import { apiKeyId, hashApiKey, isWidgetMode, newAccountId, newApiKey, newSitekey, normalizeOrigin, WIDGET_MODES, type Site } from './site.js';

export interface NewKey {
  readonly accountId: string;
  readonly keyId: string;
  /** The secret itself: shown once, never stored. */
  readonly apiKey: string;
}

const invalid = (detail: string): AppError => new AppError('invalid_argument', detail);

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

  /** How the site's widget tells people from bots; applies to the next challenge on every pod. */
  async setMode(sitekey: string, mode: string): Promise<Site> {
    if (!isWidgetMode(mode)) throw invalid(`mode is one of ${WIDGET_MODES.join(', ')}`);
    return this.update(sitekey, (site) => ({ ...site, mode }));
  }

  /** Sets (or, with undefined, clears back to POW_WORK) the average hashes of the site's puzzles. */
  async setPowWork(sitekey: string, work: number | undefined): Promise<Site> {
    if (work !== undefined && (!Number.isInteger(work) || work < MIN_POW_WORK || work > MAX_POW_WORK)) {
      throw invalid(`work is a whole number of hashes from ${MIN_POW_WORK} to ${MAX_POW_WORK}`);
    }
    return this.update(sitekey, ({ powWork: _, ...site }) => (work === undefined ? site : { ...site, powWork: work }));
  }

  listSites(): Promise<Site[]> {
    return this.repository.listSites();
  }

  private async update(sitekey: string, change: (site: Site) => Site): Promise<Site> {
    const site = await this.repository.getSite(sitekey);
    if (!site) throw invalid(`no site ${sitekey}`);
    const updated = change(site);
    await this.repository.saveSite(updated);
    return updated;
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
