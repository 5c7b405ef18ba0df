import type { SiteLimits } from '../abuse/ports.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { parseAdminInput, siteChangesInput, type SiteChanges } from './admin-input.js';
import type { AuditAction, AuditEntry, AuditLog, AuditQuery, SiteRepository } from './ports.js';
import {
  apiKeyId,
  hashApiKey,
  isAccountId,
  isApiKeyId,
  isSitekey,
  newAccountId,
  newApiKey,
  newSitekey,
  normalizeOrigin,
  type Account,
  type ApiKeyInfo,
  type Site,
} from './site.js';

export interface NewKey extends ApiKeyInfo {
  readonly accountId: string;
  /** The secret itself: shown once, never stored. */
  readonly apiKey: string;
}

export interface AccountDetails {
  readonly account: Account;
  readonly keys: readonly ApiKeyInfo[];
  readonly sitekeys: readonly string[];
}

export interface SiteAdminOptions {
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Who acts, as the audit log names them: "cli", or "token:<id>" for an admin API token. */
  readonly actor: string;
}

// Details name only well-formed ids: anything else is not echoed back.
const unknownSite = (sitekey: string): AppError => new AppError('sitekey_unknown', isSitekey(sitekey) ? `no site ${sitekey}` : undefined);
const unknownAccount = (accountId: string): AppError =>
  new AppError('account_unknown', isAccountId(accountId) ? `no account ${accountId}` : undefined);

/**
 * What an operator does with sites, accounts and keys: the one implementation
 * behind the admin CLI and the admin HTTP API. Every change is recorded in the
 * audit log with who made it; secrets never are.
 */
export class SiteAdmin {
  constructor(
    private readonly repository: SiteRepository,
    private readonly options: SiteAdminOptions,
  ) {}

  /** The same operations, recorded as done by another actor. */
  actingAs(actor: string): SiteAdmin {
    return new SiteAdmin(this.repository, { ...this.options, actor });
  }

  async createAccount(name: string, keyLabel = ''): Promise<NewKey> {
    const accountId = newAccountId();
    const account: Account = { accountId, name: name.trim() || accountId, createdAt: this.now() };
    await this.repository.saveAccount(account);
    await this.record('account.create', accountId, { name: account.name });
    return this.addKey(accountId, keyLabel);
  }

  listAccounts(): Promise<Account[]> {
    return this.repository.listAccounts();
  }

  async getAccount(accountId: string): Promise<AccountDetails> {
    const account = await this.requireAccount(accountId);
    const [keys, sitekeys] = await Promise.all([this.repository.listKeys(accountId), this.sitekeysOf(accountId)]);
    return { account, keys, sitekeys };
  }

  /** Deletes an account and revokes all its keys; refused while it still has sites, so no site is orphaned by accident. */
  async deleteAccount(accountId: string): Promise<void> {
    await this.requireAccount(accountId);
    const sitekeys = await this.sitekeysOf(accountId);
    if (sitekeys.length > 0) {
      throw new AppError('account_has_sites', `account ${accountId} still has sites (${sitekeys.join(', ')}); delete them first`);
    }
    if (!(await this.repository.deleteAccount(accountId))) throw unknownAccount(accountId);
    await this.record('account.delete', accountId, {});
  }

  async addKey(accountId: string, label = ''): Promise<NewKey> {
    await this.requireAccount(accountId);
    const apiKey = newApiKey();
    const keyHash = hashApiKey(apiKey);
    const key = { keyId: apiKeyId(keyHash), label: label.trim(), createdAt: this.now() };
    await this.repository.addKey(accountId, { ...key, keyHash });
    await this.record('key.create', key.keyId, { accountId, label: key.label });
    return { accountId, ...key, apiKey };
  }

  async revokeKey(accountId: string, keyId: string): Promise<void> {
    await this.requireAccount(accountId);
    if (!isApiKeyId(keyId) || !(await this.repository.revokeKey(accountId, keyId))) {
      throw new AppError('key_unknown', isApiKeyId(keyId) ? `account ${accountId} has no key ${keyId}` : undefined);
    }
    await this.record('key.revoke', keyId, { accountId });
  }

  async listKeys(accountId: string): Promise<ApiKeyInfo[]> {
    await this.requireAccount(accountId);
    return this.repository.listKeys(accountId);
  }

  async listKeyIds(accountId: string): Promise<string[]> {
    return (await this.listKeys(accountId)).map((key) => key.keyId);
  }

  /** Creates a site; without an account, creates one too and returns its first key. */
  async createSite(options: { name: string; origins: readonly string[]; accountId?: string | undefined }): Promise<{ site: Site; key?: NewKey }> {
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
    await this.record('site.create', site.sitekey, { accountId, name: site.name, origins });
    return key ? { site, key } : { site };
  }

  listSites(): Promise<Site[]> {
    return this.repository.listSites();
  }

  getSite(sitekey: string): Promise<Site> {
    return this.requireSite(sitekey);
  }

  /**
   * Changes some of a site's settings at once; applies to the next request on
   * every pod. `null` puts a setting back to the service default.
   */
  async updateSite(sitekey: string, changes: SiteChanges): Promise<Site> {
    const site = await this.requireSite(sitekey);
    const updated: { -readonly [K in keyof Site]: Site[K] } = { ...site };
    if (changes.name !== undefined) updated.name = changes.name;
    if (changes.origins !== undefined) updated.origins = normalizeOrigins(changes.origins);
    if (changes.mode !== undefined) updated.mode = changes.mode;
    if (changes.powWork === null) delete updated.powWork;
    else if (changes.powWork !== undefined) updated.powWork = changes.powWork;
    const limits = changes.limits === undefined ? site.limits : limitsOf(changes.limits);
    if (limits === undefined) delete updated.limits;
    else updated.limits = limits;
    await this.repository.saveSite(updated);
    await this.record('site.update', sitekey, { ...changes, ...(changes.origins ? { origins: updated.origins } : {}) });
    return updated;
  }

  setOrigins(sitekey: string, origins: readonly string[]): Promise<Site> {
    return this.change(sitekey, { origins });
  }

  /** Sets a site's own per-IP limits; a limit left out is the service default. */
  setLimits(sitekey: string, limits: SiteLimits): Promise<Site> {
    return this.change(sitekey, { limits });
  }

  /** How the site's widget tells people from bots: image, pow or pow+image. */
  setMode(sitekey: string, mode: string): Promise<Site> {
    return this.change(sitekey, { mode });
  }

  /** Sets (or, with undefined, clears back to POW_WORK) the average hashes of the site's puzzles. */
  setPowWork(sitekey: string, work: number | undefined): Promise<Site> {
    return this.change(sitekey, { powWork: work ?? null });
  }

  async deleteSite(sitekey: string): Promise<void> {
    const site = await this.requireSite(sitekey);
    if (!(await this.repository.deleteSite(sitekey))) throw unknownSite(sitekey);
    await this.record('site.delete', sitekey, { accountId: site.accountId });
  }

  /** The audit log, newest first. */
  auditEntries(query: AuditQuery): Promise<AuditEntry[]> {
    return this.options.audit.read(query);
  }

  /** One setting from loosely typed input (a CLI argument), checked as the HTTP API checks it. */
  private async change(sitekey: string, input: Record<string, unknown>): Promise<Site> {
    return this.updateSite(sitekey, parseAdminInput(siteChangesInput, input));
  }

  private async requireSite(sitekey: string): Promise<Site> {
    const site = isSitekey(sitekey) ? await this.repository.getSite(sitekey) : undefined;
    if (!site) throw unknownSite(sitekey);
    return site;
  }

  private async requireAccount(accountId: string): Promise<Account> {
    const account = isAccountId(accountId) ? await this.repository.getAccount(accountId) : undefined;
    if (!account) throw unknownAccount(accountId);
    return account;
  }

  private async sitekeysOf(accountId: string): Promise<string[]> {
    return (await this.repository.listSites()).filter((site) => site.accountId === accountId).map((site) => site.sitekey);
  }

  private now(): string {
    return new Date(this.options.clock.now()).toISOString();
  }

  private record(action: AuditAction, target: string, details: Record<string, unknown>): Promise<void> {
    return this.options.audit.append({ at: this.now(), actor: this.options.actor, action, target, details });
  }
}

/** A site's limits without the ones left at the default; undefined when none is its own. */
function limitsOf(changes: NonNullable<SiteChanges['limits']> | null): SiteLimits | undefined {
  const limits = {
    ...(typeof changes?.issuePerMinute === 'number' ? { issuePerMinute: changes.issuePerMinute } : {}),
    ...(typeof changes?.solvePerMinute === 'number' ? { solvePerMinute: changes.solvePerMinute } : {}),
  };
  return Object.keys(limits).length > 0 ? limits : undefined;
}

function normalizeOrigins(origins: readonly string[]): string[] {
  const normalized = origins.map((origin) => {
    const value = normalizeOrigin(origin);
    if (!value) throw new AppError('origin_invalid', `not an origin (scheme://host[:port]): ${origin}`);
    return value;
  });
  return [...new Set(normalized)];
}
