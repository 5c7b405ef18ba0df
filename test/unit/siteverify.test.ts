import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/domain/errors.js';
import type { SiteAdmin } from '../../shared/domain/sites/site-admin.js';
import { ResponseTokens } from '../../shared/domain/token/response-token.js';
import { rfc3339, Siteverify } from '../../shared/domain/token/siteverify.js';
import { FakeClock, FixedEpoch, MemorySites, memorySiteAdmin, MemoryUsedTokens } from '../support/fakes.js';

describe('Siteverify', () => {
  const tokens = new ResponseTokens('a-secret-of-at-least-thirty-two-characters');
  let clock: FakeClock;
  let sites: MemorySites;
  let siteverify: Siteverify;
  let admin: SiteAdmin;
  let epoch: FixedEpoch;
  let site: { sitekey: string; accountId: string; apiKey: string };

  beforeEach(async () => {
    clock = new FakeClock();
    sites = new MemorySites();
    admin = memorySiteAdmin(sites, clock);
    epoch = new FixedEpoch();
    siteverify = new Siteverify({ sites, keyUsage: { used: () => undefined }, tokens, usedTokens: new MemoryUsedTokens(), epoch, clock, retryWindowMs: 60_000 });
    const created = await admin.createSite({ name: 'shop', origins: ['https://shop.example'] });
    site = { sitekey: created.site.sitekey, accountId: created.site.accountId, apiKey: created.key?.apiKey ?? '' };
  });

  const tokenFor = (overrides: Partial<{ sitekey: string; accountId: string; expiresAt: number }> = {}) =>
    tokens.sign({
      id: ResponseTokens.newId(),
      sitekey: site.sitekey,
      accountId: site.accountId,
      origin: 'https://shop.example',
      solvedAt: clock.now(),
      expiresAt: clock.now() + 300_000,
      epoch: 'epoch-1',
      ...overrides,
    });

  const codeOf = async (promise: Promise<unknown>): Promise<string> => {
    const error = await promise.then(() => undefined, (thrown: unknown) => thrown);
    return error instanceof AppError ? `${error.status} ${error.code}` : 'no error';
  };

  it('authenticates API keys by their hash', async () => {
    expect(await siteverify.authenticate(site.apiKey)).toBe(site.accountId);
    expect(await codeOf(siteverify.authenticate(undefined))).toBe('401 auth_required');
    expect(await codeOf(siteverify.authenticate(''))).toBe('401 auth_required');
    expect(await codeOf(siteverify.authenticate(`${site.apiKey}x`))).toBe('401 auth_invalid');
    expect(await codeOf(siteverify.authenticate('k'.repeat(500)))).toBe('401 auth_invalid');
  });

  it('accepts a genuine token once', async () => {
    const response = tokenFor();
    expect(await siteverify.verify(site.accountId, { response, sitekey: site.sitekey })).toEqual({
      success: true,
      sitekey: site.sitekey,
      timestamp: rfc3339(clock.now()),
      origin: 'https://shop.example',
      replayed: false,
      mode: 'image',
    });
    expect(await siteverify.verify(site.accountId, { response })).toEqual({ success: false, code: 'response_duplicate', sitekey: site.sitekey });
  });

  it('lets a retry with the same idempotency key through, and nothing else', async () => {
    const response = tokenFor();
    const first = await siteverify.verify(site.accountId, { response, idempotencyKey: 'order-17' });
    expect(first).toMatchObject({ success: true, replayed: false });
    expect(await siteverify.verify(site.accountId, { response, idempotencyKey: 'order-17' })).toEqual({ ...first, replayed: true });
    expect(await siteverify.verify(site.accountId, { response, idempotencyKey: 'order-18' })).toMatchObject({ code: 'response_duplicate' });
    expect(await siteverify.verify(site.accountId, { response })).toMatchObject({ code: 'response_duplicate' });
    const plain = tokenFor();
    await siteverify.verify(site.accountId, { response: plain });
    expect(await siteverify.verify(site.accountId, { response: plain, idempotencyKey: 'late' })).toMatchObject({ code: 'response_duplicate' });
  });

  it('lets such a retry through only within the retry window after the first verification', async () => {
    const response = tokenFor({ expiresAt: clock.now() + 300_000 });
    expect(await siteverify.verify(site.accountId, { response, idempotencyKey: 'k' })).toMatchObject({ success: true, replayed: false });
    clock.advance(60_000);
    expect(await siteverify.verify(site.accountId, { response, idempotencyKey: 'k' })).toMatchObject({ success: true, replayed: true });
    clock.advance(1);
    expect(await siteverify.verify(site.accountId, { response, idempotencyKey: 'k' })).toMatchObject({ code: 'response_duplicate' });
  });

  it('rejects tokens from before the store lost its data', async () => {
    const response = tokenFor();
    epoch.value = 'epoch-2';
    expect(await siteverify.verify(site.accountId, { response })).toEqual({ success: false, code: 'response_invalid' });
  });

  it('reports expiry before duplication', async () => {
    const response = tokenFor();
    clock.advance(300_000);
    expect(await siteverify.verify(site.accountId, { response })).toEqual({ success: false, code: 'response_timeout', sitekey: site.sitekey });
  });

  it('rejects tokens of other accounts and other sites', async () => {
    expect(await siteverify.verify(site.accountId, { response: tokenFor({ accountId: 'acct_someoneelse' }) })).toEqual({
      success: false,
      code: 'response_invalid',
    });
    const sibling = await admin.createSite({ name: 'blog', origins: ['https://blog.example'], accountId: site.accountId });
    expect(await siteverify.verify(site.accountId, { response: tokenFor({ sitekey: sibling.site.sitekey }), sitekey: site.sitekey })).toEqual({
      success: false,
      code: 'response_invalid',
    });
  });

  it('checks the sitekey parameter against the account', async () => {
    const other = await admin.createSite({ name: 'other', origins: ['https://other.example'] });
    expect(await codeOf(siteverify.verify(site.accountId, { response: tokenFor(), sitekey: other.site.sitekey }))).toBe('400 sitekey_invalid');
    expect(await codeOf(siteverify.verify(site.accountId, { response: tokenFor(), sitekey: 'nope' }))).toBe('400 sitekey_invalid');
  });

  it('formats timestamps as RFC 3339 UTC seconds', () => {
    expect(rfc3339(Date.UTC(2023, 7, 4, 13, 1, 25, 678))).toBe('2023-08-04T13:01:25Z');
  });
});

describe('SiteAdmin', () => {
  it('creates sites with normalized origins and rejects anything that is not an origin', async () => {
    const admin = memorySiteAdmin();
    const { site, key } = await admin.createSite({ name: 'shop', origins: ['https://Shop.Example/', 'https://shop.example', 'http://localhost:8080'] });
    expect(site.sitekey).toMatch(/^FC[A-Z2-7]{14}$/);
    expect(site.origins).toEqual(['https://shop.example', 'http://localhost:8080']);
    expect(key?.apiKey).toMatch(/^cck_[A-Za-z0-9_-]{43}$/);
    for (const bad of ['shop.example', 'https://shop.example/path', 'ftp://shop.example', 'https://*.example', 'https://user@shop.example']) {
      await expect(admin.createSite({ name: 'x', origins: [bad] })).rejects.toThrow(/not an origin/);
    }
  });

  it('stores only key hashes and revokes keys by id', async () => {
    const sites = new MemorySites();
    const admin = memorySiteAdmin(sites);
    const first = await admin.createAccount('acme');
    const second = await admin.addKey(first.accountId);
    expect([...sites.keys.keys()].some((hash) => hash === first.apiKey || hash.includes(first.apiKey))).toBe(false);
    expect(await admin.listKeyIds(first.accountId)).toEqual(expect.arrayContaining([first.keyId, second.keyId]));
    await admin.revokeKey(first.accountId, first.keyId);
    expect(await admin.listKeyIds(first.accountId)).toEqual([second.keyId]);
    await expect(admin.revokeKey(first.accountId, first.keyId)).rejects.toThrow(/no key/);
    await expect(admin.addKey('acct_missing00000')).rejects.toThrow(/no account/);
  });
});
