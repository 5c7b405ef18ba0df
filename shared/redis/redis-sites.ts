import { rethrowAsUnavailable } from '../errors.js';
import type { SiteRepository } from '../sites/ports.js';
import type { SiteLimits } from '../abuse/ports.js';
import { isWidgetMode, type Account, type Site } from '../sites/site.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

/**
 * Sites, accounts and API key hashes as Redis hashes and strings. They have
 * no expiry: they are configuration, changed only through the admin CLI.
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
    await this.redis.hset(this.keys.site(site.sitekey), {
      accountId: site.accountId,
      name: site.name,
      origins: JSON.stringify(site.origins),
      limits: JSON.stringify(site.limits ?? {}),
      mode: site.mode ?? '',
      powWork: site.powWork === undefined ? '' : String(site.powWork),
    });
    await this.redis.sadd(this.keys.sites, site.sitekey);
  }

  async listSites(): Promise<Site[]> {
    const sitekeys = (await this.redis.smembers(this.keys.sites)).sort();
    const sites = await Promise.all(sitekeys.map((sitekey) => this.getSite(sitekey)));
    return sites.filter((site): site is Site => site !== undefined);
  }

  async getAccount(accountId: string): Promise<Account | undefined> {
    const name = await this.redis.hget(this.keys.account(accountId), 'name');
    return name === null ? undefined : { accountId, name };
  }

  async saveAccount(account: Account): Promise<void> {
    await this.redis.hset(this.keys.account(account.accountId), { name: account.name, createdAt: new Date().toISOString() });
  }

  async accountForKey(keyHash: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.apiKey(keyHash)).catch(rethrowAsUnavailable)) ?? undefined;
  }

  async addKey(accountId: string, keyId: string, keyHash: string): Promise<void> {
    await this.redis.set(this.keys.apiKey(keyHash), accountId);
    await this.redis.hset(this.keys.accountKeys(accountId), keyId, keyHash);
  }

  async revokeKey(accountId: string, keyId: string): Promise<boolean> {
    const keyHash = await this.redis.hget(this.keys.accountKeys(accountId), keyId);
    if (keyHash === null) return false;
    await this.redis.del(this.keys.apiKey(keyHash));
    await this.redis.hdel(this.keys.accountKeys(accountId), keyId);
    return true;
  }

  async listKeyIds(accountId: string): Promise<string[]> {
    return (await this.redis.hkeys(this.keys.accountKeys(accountId))).sort();
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

