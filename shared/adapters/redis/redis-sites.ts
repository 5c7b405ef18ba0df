import { rethrowAsUnavailable } from '../../domain/errors.js';
import type { SiteRepository, StoredApiKey } from '../../domain/sites/ports.js';
import type { SiteLimits } from '../../domain/abuse/ports.js';
import { isWidgetMode, type Account, type ApiKeyInfo, type Site } from '../../domain/sites/site.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

/**
 * Sites, accounts and API key hashes as Redis hashes, sets and strings. They
 * have no expiry: they are configuration, changed only by operators. Every
 * Redis failure becomes a 503 store_unavailable.
 */
export class RedisSites implements SiteRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async getSite(sitekey: string): Promise<Site | undefined> {
    const fields = await this.redis.hgetall(this.keys.site(sitekey)).catch(rethrowAsUnavailable);
    if (!fields.accountId) return undefined;
    const limits = parseLimits(fields.limits);
    const powWork = Number(fields.powWork);
    return {
      sitekey,
      accountId: fields.accountId,
      name: fields.name ?? '',
      origins: parseOrigins(fields.origins),
      ...(limits ? { limits } : {}),
      ...(isWidgetMode(fields.mode) ? { mode: fields.mode } : {}),
      ...(fields.powWork && Number.isInteger(powWork) && powWork > 0 ? { powWork } : {}),
    };
  }

  async saveSite(site: Site): Promise<void> {
    await this.redis
      .hset(this.keys.site(site.sitekey), {
        accountId: site.accountId,
        name: site.name,
        origins: JSON.stringify(site.origins),
        limits: JSON.stringify(site.limits ?? {}),
        mode: site.mode ?? '',
        powWork: site.powWork === undefined ? '' : String(site.powWork),
      })
      .catch(rethrowAsUnavailable);
    await this.redis.sadd(this.keys.sites, site.sitekey).catch(rethrowAsUnavailable);
    await this.announceChange();
  }

  async deleteSite(sitekey: string): Promise<boolean> {
    const deleted = await this.redis.del(this.keys.site(sitekey)).catch(rethrowAsUnavailable);
    await this.redis.srem(this.keys.sites, sitekey).catch(rethrowAsUnavailable);
    await this.announceChange();
    return deleted > 0;
  }

  async listSites(): Promise<Site[]> {
    const sitekeys = (await this.redis.smembers(this.keys.sites).catch(rethrowAsUnavailable)).sort();
    const sites = await Promise.all(sitekeys.map((sitekey) => this.getSite(sitekey)));
    return sites.filter((site): site is Site => site !== undefined);
  }

  async getAccount(accountId: string): Promise<Account | undefined> {
    const fields = await this.redis.hgetall(this.keys.account(accountId)).catch(rethrowAsUnavailable);
    if (fields.name === undefined) return undefined;
    return { accountId, name: fields.name, ...(fields.createdAt ? { createdAt: fields.createdAt } : {}) };
  }

  async saveAccount(account: Account): Promise<void> {
    const createdAt = account.createdAt ?? new Date().toISOString();
    await this.redis.hset(this.keys.account(account.accountId), { name: account.name, createdAt }).catch(rethrowAsUnavailable);
    await this.redis.sadd(this.keys.accounts, account.accountId).catch(rethrowAsUnavailable);
  }

  /** Accounts made before the account set existed are found through their sites. */
  async listAccounts(): Promise<Account[]> {
    const listed = await this.redis.smembers(this.keys.accounts).catch(rethrowAsUnavailable);
    const ids = new Set([...listed, ...(await this.listSites()).map((site) => site.accountId)]);
    const accounts = await Promise.all([...ids].sort().map((accountId) => this.getAccount(accountId)));
    return accounts.filter((account): account is Account => account !== undefined);
  }

  async deleteAccount(accountId: string): Promise<boolean> {
    const existed = await this.redis.exists(this.keys.account(accountId)).catch(rethrowAsUnavailable);
    // The keys stop authenticating first; the account's own hashes share one hash tag, so one DEL takes them all.
    const keyHashes = await this.redis.hvals(this.keys.accountKeys(accountId)).catch(rethrowAsUnavailable);
    for (const keyHash of keyHashes) await this.redis.del(this.keys.apiKey(keyHash)).catch(rethrowAsUnavailable);
    await this.redis
      .del(this.keys.accountKeys(accountId), this.keys.accountKeyInfo(accountId), this.keys.accountKeyUses(accountId), this.keys.account(accountId))
      .catch(rethrowAsUnavailable);
    await this.redis.srem(this.keys.accounts, accountId).catch(rethrowAsUnavailable);
    await this.announceChange();
    return existed > 0;
  }

  async accountForKey(keyHash: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.apiKey(keyHash)).catch(rethrowAsUnavailable)) ?? undefined;
  }

  async addKey(accountId: string, key: StoredApiKey): Promise<void> {
    // Listed before it works: a half-made key can always be found and revoked, never work unseen.
    await this.redis
      .hset(this.keys.accountKeyInfo(accountId), key.keyId, JSON.stringify({ label: key.label, createdAt: key.createdAt }))
      .catch(rethrowAsUnavailable);
    await this.redis.hset(this.keys.accountKeys(accountId), key.keyId, key.keyHash).catch(rethrowAsUnavailable);
    await this.redis.set(this.keys.apiKey(key.keyHash), accountId).catch(rethrowAsUnavailable);
  }

  async revokeKey(accountId: string, keyId: string): Promise<boolean> {
    const keyHash = await this.redis.hget(this.keys.accountKeys(accountId), keyId).catch(rethrowAsUnavailable);
    if (keyHash === null) return false;
    await this.redis.del(this.keys.apiKey(keyHash)).catch(rethrowAsUnavailable);
    await this.redis.hdel(this.keys.accountKeys(accountId), keyId).catch(rethrowAsUnavailable);
    await this.redis.hdel(this.keys.accountKeyInfo(accountId), keyId).catch(rethrowAsUnavailable);
    await this.redis.hdel(this.keys.accountKeyUses(accountId), keyId).catch(rethrowAsUnavailable);
    await this.announceChange();
    return true;
  }

  async listKeys(accountId: string): Promise<ApiKeyInfo[]> {
    const [keyIds, info, uses] = await Promise.all([
      this.redis.hkeys(this.keys.accountKeys(accountId)),
      this.redis.hgetall(this.keys.accountKeyInfo(accountId)),
      this.redis.hgetall(this.keys.accountKeyUses(accountId)),
    ]).catch(rethrowAsUnavailable);
    return keyIds.sort().map((keyId) => {
      const { label, createdAt } = parseKeyInfo(info[keyId]);
      const lastUsed = Number(uses[keyId]);
      return {
        keyId,
        label,
        ...(createdAt ? { createdAt } : {}),
        ...(uses[keyId] && Number.isFinite(lastUsed) ? { lastUsedAt: new Date(lastUsed).toISOString() } : {}),
      };
    });
  }

  /**
   * Tells every API pod that a site, an account or a key changed, so they
   * forget what they remembered of them (CachedSites). One message for any
   * change: changes are rare, and a pod re-reads what it needs.
   */
  private async announceChange(): Promise<void> {
    await this.redis.publish(this.keys.siteChanges, 'changed').catch(rethrowAsUnavailable);
  }

  async recordKeyUse(accountId: string, keyId: string, atMs: number): Promise<void> {
    await this.redis
      .recordKeyUse(this.keys.accountKeys(accountId), this.keys.accountKeyUses(accountId), keyId, atMs)
      .catch(rethrowAsUnavailable);
  }
}

function parseKeyInfo(json: string | undefined): { label: string; createdAt: string | undefined } {
  try {
    const value = JSON.parse(json ?? '{}') as Record<string, unknown>;
    return {
      label: typeof value.label === 'string' ? value.label : '',
      createdAt: typeof value.createdAt === 'string' ? value.createdAt : undefined,
    };
  } catch {
    return { label: '', createdAt: undefined };
  }
}

function parseOrigins(json: string | undefined): string[] {
  try {
    const value: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(value) ? value.filter((origin): origin is string => typeof origin === 'string') : [];
  } catch {
    return [];
  }
}

function parseLimits(json: string | undefined): SiteLimits | undefined {
  try {
    const value = JSON.parse(json ?? '{}') as Record<string, unknown>;
    const limits: { issuePerMinute?: number; solvePerMinute?: number } = {};
    if (Number.isInteger(value.issuePerMinute)) limits.issuePerMinute = value.issuePerMinute as number;
    if (Number.isInteger(value.solvePerMinute)) limits.solvePerMinute = value.solvePerMinute as number;
    return Object.keys(limits).length > 0 ? limits : undefined;
  } catch {
    return undefined;
  }
}

