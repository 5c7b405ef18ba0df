import { beforeEach, describe, expect, it } from 'vitest';
import { CachedSites } from '../../shared/domain/sites/cached-sites.js';
import type { Site } from '../../shared/domain/sites/site.js';
import { FakeClock, MemorySites } from '../support/fakes.js';

const SITE: Site = { sitekey: 'FCAAAAAAAAAAAAAA', accountId: 'acct_1', name: 'shop', origins: ['https://shop.example'] };
const KEY = { keyId: 'k1', keyHash: 'hash-1', label: '', createdAt: '2026-01-01T00:00:00.000Z' };

/** Counts the reads that reach the store. */
class CountingSites extends MemorySites {
  reads = 0;
  override getSite(sitekey: string) {
    this.reads++;
    return super.getSite(sitekey);
  }
  override accountForKey(keyHash: string) {
    this.reads++;
    return super.accountForKey(keyHash);
  }
}

describe('CachedSites', () => {
  let clock: FakeClock;
  let store: CountingSites;
  let cached: CachedSites;

  beforeEach(async () => {
    clock = new FakeClock();
    store = new CountingSites();
    await store.saveSite(SITE);
    await store.addKey('acct_1', KEY);
    cached = new CachedSites(store, { clock, maxAgeMs: 5000, maxEntries: 2 });
  });

  it('answers repeated reads of a site and a key from memory', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await cached.getSite(SITE.sitekey)).toEqual(SITE);
      expect(await cached.accountForKey('hash-1')).toBe('acct_1');
    }
    expect(store.reads).toBe(2);
  });

  it('never remembers what does not exist: a new key works at once', async () => {
    expect(await cached.accountForKey('hash-2')).toBeUndefined();
    await store.addKey('acct_1', { ...KEY, keyId: 'k2', keyHash: 'hash-2' });
    expect(await cached.accountForKey('hash-2')).toBe('acct_1');
  });

  it('forgets everything when told of a change, so a revoked key stops working at once', async () => {
    expect(await cached.accountForKey('hash-1')).toBe('acct_1');
    await store.revokeKey('acct_1', 'k1'); // another pod's write: this one hears of it
    expect(await cached.accountForKey('hash-1')).toBe('acct_1');
    cached.clear();
    expect(await cached.accountForKey('hash-1')).toBeUndefined();
  });

  it('forgets on its own writes', async () => {
    expect(await cached.getSite(SITE.sitekey)).toEqual(SITE);
    await cached.saveSite({ ...SITE, origins: ['https://new.example'] });
    expect((await cached.getSite(SITE.sitekey))?.origins).toEqual(['https://new.example']);
    await cached.revokeKey('acct_1', 'k1');
    expect(await cached.accountForKey('hash-1')).toBeUndefined();
  });

  it('uses nothing older than its maximum age, even when it missed a change', async () => {
    expect(await cached.accountForKey('hash-1')).toBe('acct_1');
    await store.revokeKey('acct_1', 'k1');
    clock.advance(4999);
    expect(await cached.accountForKey('hash-1')).toBe('acct_1');
    clock.advance(1);
    expect(await cached.accountForKey('hash-1')).toBeUndefined();
  });

  it('does not remember a read that a change overtook', async () => {
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const slow = new (class extends CountingSites {
      override async accountForKey(keyHash: string) {
        const read = await super.accountForKey(keyHash); // read now, answered later
        await gate;
        return read;
      }
    })();
    await slow.addKey('acct_1', KEY);
    const racing = new CachedSites(slow, { clock, maxAgeMs: 5000, maxEntries: 10 });
    const inFlight = racing.accountForKey('hash-1');
    await slow.revokeKey('acct_1', 'k1');
    racing.clear(); // the change is announced while the read is in flight
    openGate();
    expect(await inFlight).toBe('acct_1'); // what was read before the change
    expect(await racing.accountForKey('hash-1')).toBeUndefined(); // not remembered: read anew
  });

  it('remembers at most maxEntries of each kind, forgetting the oldest', async () => {
    for (const n of [2, 3]) await store.addKey('acct_1', { ...KEY, keyId: `k${n}`, keyHash: `hash-${n}` });
    for (const n of [1, 2, 3]) await cached.accountForKey(`hash-${n}`);
    store.reads = 0;
    await cached.accountForKey('hash-3');
    await cached.accountForKey('hash-2');
    expect(store.reads).toBe(0);
    await cached.accountForKey('hash-1');
    expect(store.reads).toBe(1);
  });

  it('remembers nothing with a maximum age of 0', async () => {
    const uncached = new CachedSites(store, { clock, maxAgeMs: 0, maxEntries: 10 });
    await uncached.getSite(SITE.sitekey);
    await uncached.getSite(SITE.sitekey);
    expect(store.reads).toBe(2);
  });
});
