import type { Clock } from '../../shared/domain/clock.js';
import type { AuditEntry, AuditLog, AuditQuery, AuditRecord, DataEpoch, MarkResult, SiteRepository, StoredApiKey, UsedTokens } from '../../shared/domain/sites/ports.js';
import { SiteAdmin } from '../../shared/domain/sites/site-admin.js';
import type { Account, ApiKeyInfo, Site } from '../../shared/domain/sites/site.js';
import { encodeBinding } from '../../shared/domain/captcha/captcha-entry.js';
import { newCaptchaId } from '../../shared/domain/captcha/captcha-id.js';
import type { IssuedCaptchas, PoolIssue, PoolReader, PoolWriter, RefillRequester } from '../../shared/domain/captcha/ports.js';
import type { ClientSignal, SignalCounts, SignalWindows } from '../../shared/domain/pow/pow-policy.js';
import type { ClientSignals, UsedPuzzles } from '../../shared/domain/pow/ports.js';

/** A clock whose time moves only when told to, or when someone sleeps on it. */
export class FakeClock implements Clock {
  constructor(private time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.time += ms;
    return Promise.resolve();
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Pool shards in memory; issuing needs the MemoryIssued that issued captchas go to. */
export class MemoryPool implements PoolReader, PoolWriter {
  readonly shards = new Map<number, Buffer[]>();

  constructor(private readonly issued?: MemoryIssued) {}

  private list(shard: number): Buffer[] {
    let list = this.shards.get(shard);
    if (!list) this.shards.set(shard, (list = []));
    return list;
  }
  issueFrom(shard: number, binding: string, ttlSeconds: number, withEntry: boolean): Promise<PoolIssue> {
    if (!this.issued) throw new Error('this MemoryPool was made without a MemoryIssued');
    const list = this.list(shard);
    const entry = list.pop();
    if (!entry) return Promise.resolve({ issued: undefined, remaining: list.length });
    const id = newCaptchaId();
    this.issued.put(id, Buffer.concat([entry, encodeBinding(binding)]), ttlSeconds);
    return Promise.resolve({ issued: { id, ...(withEntry ? { entry } : {}) }, remaining: list.length });
  }
  depth(shard: number): Promise<number> {
    return Promise.resolve(this.list(shard).length);
  }
  depths(shards: number): Promise<number[]> {
    return Promise.all(Array.from({ length: shards }, (_, shard) => this.depth(shard)));
  }
  push(shard: number, entries: readonly Buffer[]): Promise<void> {
    this.list(shard).unshift(...[...entries].reverse());
    return Promise.resolve();
  }
}

/** Issued captchas in memory, expiring by the fake clock. */
export class MemoryIssued implements IssuedCaptchas {
  readonly entries = new Map<string, { entry: Buffer; expiresAt: number }>();
  constructor(private readonly clock: Clock) {}

  put(id: string, entry: Buffer, ttlSeconds: number): void {
    this.entries.set(id, { entry, expiresAt: this.clock.now() + ttlSeconds * 1000 });
  }
  read(id: string): Promise<Buffer | undefined> {
    const stored = this.entries.get(id);
    return Promise.resolve(stored && stored.expiresAt > this.clock.now() ? stored.entry : undefined);
  }
  store(id: string, entry: Buffer, ttlSeconds: number): Promise<void> {
    this.put(id, entry, ttlSeconds);
    return Promise.resolve();
  }
  async take(id: string): Promise<Buffer | undefined> {
    const entry = await this.read(id);
    this.entries.delete(id);
    return entry;
  }
}

export class RecordingRefills implements RefillRequester {
  readonly requests: { shard: number }[] = [];
  requestRefill(shard: number): Promise<void> {
    this.requests.push({ shard });
    return Promise.resolve();
  }
}

/** Sites, accounts and key hashes in memory. */
export class MemorySites implements SiteRepository {
  readonly sites = new Map<string, Site>();
  readonly accounts = new Map<string, Account>();
  /** Key hash → the key's account and what an operator sees of it. */
  readonly keys = new Map<string, { accountId: string } & ApiKeyInfo>();

  getSite(sitekey: string): Promise<Site | undefined> {
    return Promise.resolve(this.sites.get(sitekey));
  }
  saveSite(site: Site): Promise<void> {
    this.sites.set(site.sitekey, site);
    return Promise.resolve();
  }
  deleteSite(sitekey: string): Promise<boolean> {
    return Promise.resolve(this.sites.delete(sitekey));
  }
  listSites(): Promise<Site[]> {
    return Promise.resolve([...this.sites.values()]);
  }
  getAccount(accountId: string): Promise<Account | undefined> {
    return Promise.resolve(this.accounts.get(accountId));
  }
  saveAccount(account: Account): Promise<void> {
    this.accounts.set(account.accountId, account);
    return Promise.resolve();
  }
  listAccounts(): Promise<Account[]> {
    return Promise.resolve([...this.accounts.values()]);
  }
  deleteAccount(accountId: string): Promise<boolean> {
    for (const [hash, key] of this.keys) if (key.accountId === accountId) this.keys.delete(hash);
    return Promise.resolve(this.accounts.delete(accountId));
  }
  accountForKey(keyHash: string): Promise<string | undefined> {
    return Promise.resolve(this.keys.get(keyHash)?.accountId);
  }
  addKey(accountId: string, { keyHash, keyId, label, createdAt }: StoredApiKey): Promise<void> {
    this.keys.set(keyHash, { accountId, keyId, label, createdAt });
    return Promise.resolve();
  }
  revokeKey(accountId: string, keyId: string): Promise<boolean> {
    for (const [hash, key] of this.keys) {
      if (key.accountId === accountId && key.keyId === keyId) return Promise.resolve(this.keys.delete(hash));
    }
    return Promise.resolve(false);
  }
  listKeys(accountId: string): Promise<ApiKeyInfo[]> {
    return Promise.resolve([...this.keys.values()].filter((key) => key.accountId === accountId).map(({ accountId: _, ...key }) => key));
  }
  recordKeyUse(accountId: string, keyId: string, atMs: number): Promise<void> {
    for (const [hash, key] of this.keys) {
      if (key.accountId === accountId && key.keyId === keyId) this.keys.set(hash, { ...key, lastUsedAt: new Date(atMs).toISOString() });
    }
    return Promise.resolve();
  }
}

/** The audit log in memory, bounded like the real one. */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  private sequence = 0;
  constructor(private readonly maxLength = 1000) {}

  append(record: AuditRecord): Promise<void> {
    this.entries.push({ ...record, id: `${Date.parse(record.at)}-${this.sequence++}` });
    this.entries.splice(0, Math.max(0, this.entries.length - this.maxLength));
    return Promise.resolve();
  }
  read({ limit, before }: AuditQuery): Promise<AuditEntry[]> {
    const newestFirst = [...this.entries].reverse();
    const start = before === undefined ? 0 : newestFirst.findIndex((entry) => entry.id === before) + 1;
    return Promise.resolve(newestFirst.slice(start, start + limit));
  }
}

/** A SiteAdmin over in-memory fakes, acting as the CLI. */
export function memorySiteAdmin(sites = new MemorySites(), clock: Clock = new FakeClock(), audit = new MemoryAuditLog()): SiteAdmin {
  return new SiteAdmin(sites, { audit, clock, actor: 'cli' });
}

export class MemoryUsedTokens implements UsedTokens {
  readonly used = new Map<string, { fingerprint: string; at: number }>();
  markUsed(tokenId: string, _ttlSeconds: number, fingerprint: string | undefined, now: number): Promise<MarkResult> {
    const existing = this.used.get(tokenId);
    if (existing === undefined) {
      this.used.set(tokenId, { fingerprint: fingerprint ?? '-', at: now });
      return Promise.resolve({ kind: 'first' });
    }
    return Promise.resolve(
      fingerprint !== undefined && existing.fingerprint === fingerprint ? { kind: 'retry', firstVerifiedAt: existing.at } : { kind: 'duplicate' },
    );
  }
}

export class FixedEpoch implements DataEpoch {
  constructor(public value = 'epoch-1') {}
  current(): string {
    return this.value;
  }
}

export class MemoryUsedPuzzles implements UsedPuzzles {
  readonly used = new Set<string>();
  markUsed(puzzleId: string): Promise<boolean> {
    const first = !this.used.has(puzzleId);
    this.used.add(puzzleId);
    return Promise.resolve(first);
  }
}

/** Per-client signal counts in fixed windows, as the Redis script keeps them. */
export class MemoryClientSignals implements ClientSignals {
  readonly clients = new Map<string, { window: number; current: SignalCounts; previous: SignalCounts }>();
  record(client: string, signal: ClientSignal | undefined, now: number, windowMs: number): Promise<SignalWindows> {
    const zero: SignalCounts = { challenge: 0, failure: 0, fast: 0 };
    const index = Math.floor(now / windowMs);
    const stored = this.clients.get(client) ?? { window: index, current: zero, previous: zero };
    const age = index - stored.window;
    let { current, previous } = stored;
    if (age === 1) [previous, current] = [current, zero];
    else if (age > 1) [previous, current] = [zero, zero];
    if (signal) current = { ...current, [signal]: current[signal] + 1 };
    if (signal) this.clients.set(client, { window: Math.max(index, stored.window), current, previous });
    return Promise.resolve({ current, previous });
  }
}
