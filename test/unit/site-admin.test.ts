import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/domain/errors.js';
import { hashApiKey } from '../../shared/domain/sites/site.js';
import { SiteAdmin } from '../../shared/domain/sites/site-admin.js';
import { FakeClock, MemoryAuditLog, MemorySites } from '../support/fakes.js';

const SHOP = 'https://shop.example';

/** The code and status a failed call threw. */
async function failure(promise: Promise<unknown>): Promise<string> {
  const thrown = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(thrown instanceof AppError)) throw new Error(`expected an AppError, got ${String(thrown)}`);
  return `${thrown.status} ${thrown.code}`;
}

describe('SiteAdmin', () => {
  let clock: FakeClock;
  let sites: MemorySites;
  let audit: MemoryAuditLog;
  let admin: SiteAdmin;

  beforeEach(() => {
    clock = new FakeClock(Date.UTC(2026, 10, 21, 19, 0, 0));
    sites = new MemorySites();
    audit = new MemoryAuditLog();
    admin = new SiteAdmin(sites, { audit, clock, actor: 'cli' });
  });

  it('creates a site with a new account and key, and audits each step without the key', async () => {
    const { site, key } = await admin.createSite({ name: 'shop', origins: [`${SHOP}/`] });
    expect(site.origins).toEqual([SHOP]);
    expect(key).toMatchObject({ accountId: site.accountId, label: '', createdAt: '2026-11-21T19:00:00.000Z' });
    expect(audit.entries.map((entry) => [entry.actor, entry.action, entry.target])).toEqual([
      ['cli', 'account.create', site.accountId],
      ['cli', 'key.create', key?.keyId],
      ['cli', 'site.create', site.sitekey],
    ]);
    expect(audit.entries[2]?.details).toEqual({ accountId: site.accountId, name: 'shop', origins: [SHOP] });
    const logged = JSON.stringify(audit.entries);
    expect(logged).not.toContain(key?.apiKey);
    expect(logged).not.toContain(hashApiKey(key?.apiKey ?? ''));
  });

  it('records who acted: the CLI, or the admin token of a request', async () => {
    const key = await admin.createAccount('acme');
    await admin.actingAs('token:0123456789ab').addKey(key.accountId, 'staging');
    expect(audit.entries.map((entry) => entry.actor)).toEqual(['cli', 'cli', 'token:0123456789ab']);
  });

  it('changes several settings at once, puts null ones back to the default, and audits the change', async () => {
    const { site } = await admin.createSite({ name: 'shop', origins: [SHOP] });
    const changed = await admin.updateSite(site.sitekey, {
      name: 'Shop',
      origins: ['https://WWW.shop.example', SHOP],
      mode: 'pow+image',
      powWork: 80_000,
      limits: { issuePerMinute: 60, solvePerMinute: null },
    });
    expect(changed).toEqual({
      sitekey: site.sitekey,
      accountId: site.accountId,
      name: 'Shop',
      origins: ['https://www.shop.example', SHOP],
      mode: 'pow+image',
      powWork: 80_000,
      limits: { issuePerMinute: 60 },
    });
    expect(await sites.getSite(site.sitekey)).toEqual(changed);
    const reset = await admin.updateSite(site.sitekey, { powWork: null, limits: null });
    expect(reset).not.toHaveProperty('powWork');
    expect(reset).not.toHaveProperty('limits');
    expect(reset).toMatchObject({ name: 'Shop', mode: 'pow+image' });
    expect(audit.entries.at(-2)).toMatchObject({ action: 'site.update', target: site.sitekey, details: { mode: 'pow+image', powWork: 80_000 } });
    expect(audit.entries.at(-1)).toMatchObject({ action: 'site.update', details: { powWork: null, limits: null } });
  });

  it('checks one-setting changes as the HTTP API does: invalid_argument, nothing saved', async () => {
    const { site } = await admin.createSite({ name: 'shop', origins: [SHOP] });
    const before = audit.entries.length;
    expect(await failure(admin.setMode(site.sitekey, 'captcha'))).toBe('400 invalid_argument');
    expect(await failure(admin.setPowWork(site.sitekey, 10))).toBe('400 invalid_argument');
    expect(await failure(admin.setPowWork(site.sitekey, 1.5e3 + 0.5))).toBe('400 invalid_argument');
    expect(await failure(admin.setLimits(site.sitekey, { issuePerMinute: -1 }))).toBe('400 invalid_argument');
    expect(await failure(admin.setLimits(site.sitekey, { solvePerMinute: Number('ten') }))).toBe('400 invalid_argument');
    expect(await failure(admin.setOrigins(site.sitekey, []))).toBe('400 invalid_argument');
    expect(await sites.getSite(site.sitekey)).toEqual(site);
    expect(audit.entries).toHaveLength(before);
    expect(await admin.setMode(site.sitekey, 'pow')).toMatchObject({ mode: 'pow' });
    expect(await admin.setLimits(site.sitekey, { issuePerMinute: 0 })).toMatchObject({ limits: { issuePerMinute: 0 } });
  });

  it('refuses anything but an origin as origin_invalid, creating nothing', async () => {
    for (const bad of ['shop.example', 'https://shop.example/path', 'ftp://shop.example', 'https://*.example', 'https://user@shop.example']) {
      expect(await failure(admin.createSite({ name: 'x', origins: [bad] }))).toBe('400 origin_invalid');
    }
    expect(sites.accounts.size).toBe(0);
    const { site } = await admin.createSite({ name: 'shop', origins: [SHOP] });
    expect(await failure(admin.updateSite(site.sitekey, { origins: [SHOP, 'https://shop.example/admin'] }))).toBe('400 origin_invalid');
    expect((await sites.getSite(site.sitekey))?.origins).toEqual([SHOP]);
  });

  it('answers sitekey_unknown, account_unknown and key_unknown, echoing only well-formed ids', async () => {
    const key = await admin.createAccount('acme');
    expect(await failure(admin.getSite('FCAAAAAAAAAAAAAA'))).toBe('404 sitekey_unknown');
    expect(await failure(admin.updateSite('FCAAAAAAAAAAAAAA', { mode: 'pow' }))).toBe('404 sitekey_unknown');
    expect(await failure(admin.deleteSite('not a sitekey'))).toBe('404 sitekey_unknown');
    expect(await failure(admin.getAccount('acct_missing00000'))).toBe('404 account_unknown');
    expect(await failure(admin.createSite({ name: 'x', origins: [SHOP], accountId: 'acct_missing00000' }))).toBe('404 account_unknown');
    expect(await failure(admin.revokeKey('acct_missing00000', key.keyId))).toBe('404 account_unknown');
    expect(await failure(admin.revokeKey(key.accountId, '000000000000'))).toBe('404 key_unknown');
    const garbage = '<script>'.repeat(50);
    const thrown = await admin.getSite(garbage).catch((error: unknown) => error);
    expect((thrown as AppError).detail).not.toContain('<script>');
    const wellFormed = await admin.revokeKey(key.accountId, '000000000000').catch((error: unknown) => error);
    expect((wellFormed as AppError).detail).toContain('000000000000');
  });

  it('lists, shows and deletes sites', async () => {
    const { site, key } = await admin.createSite({ name: 'shop', origins: [SHOP] });
    const { site: blog } = await admin.createSite({ name: 'blog', origins: ['https://blog.example'], accountId: site.accountId });
    expect((await admin.listSites()).map((s) => s.sitekey).sort()).toEqual([site.sitekey, blog.sitekey].sort());
    expect(await admin.getSite(blog.sitekey)).toEqual(blog);
    await admin.deleteSite(blog.sitekey);
    expect(await failure(admin.getSite(blog.sitekey))).toBe('404 sitekey_unknown');
    expect(await failure(admin.deleteSite(blog.sitekey))).toBe('404 sitekey_unknown');
    expect(audit.entries.at(-1)).toMatchObject({ action: 'site.delete', target: blog.sitekey, details: { accountId: site.accountId } });
    // The account and its key are untouched.
    expect(await sites.accountForKey(hashApiKey(key?.apiKey ?? ''))).toBe(site.accountId);
  });

  it('shows an account with its labelled, dated keys and its sites', async () => {
    const first = await admin.createAccount('acme', 'production');
    clock.advance(60_000);
    const second = await admin.addKey(first.accountId, '  staging ');
    const { site } = await admin.createSite({ name: 'shop', origins: [SHOP], accountId: first.accountId });
    await sites.recordKeyUse(first.accountId, first.keyId, clock.now());
    const details = await admin.getAccount(first.accountId);
    expect(details.account).toEqual({ accountId: first.accountId, name: 'acme', createdAt: '2026-11-21T19:00:00.000Z' });
    expect(details.sitekeys).toEqual([site.sitekey]);
    expect(details.keys).toEqual(
      expect.arrayContaining([
        { keyId: first.keyId, label: 'production', createdAt: '2026-11-21T19:00:00.000Z', lastUsedAt: '2026-11-21T19:01:00.000Z' },
        { keyId: second.keyId, label: 'staging', createdAt: '2026-11-21T19:01:00.000Z' },
      ]),
    );
    expect(await admin.listKeyIds(first.accountId)).toEqual(expect.arrayContaining([first.keyId, second.keyId]));
    expect((await admin.listAccounts()).map((account) => account.accountId)).toEqual([first.accountId]);
  });

  it('deletes an account only once it has no sites, revoking its keys', async () => {
    const { site, key } = await admin.createSite({ name: 'shop', origins: [SHOP] });
    const apiKeyHash = hashApiKey(key?.apiKey ?? '');
    expect(await failure(admin.deleteAccount(site.accountId))).toBe('409 account_has_sites');
    expect(await sites.accountForKey(apiKeyHash)).toBe(site.accountId);
    await admin.deleteSite(site.sitekey);
    await admin.deleteAccount(site.accountId);
    expect(await sites.accountForKey(apiKeyHash)).toBeUndefined();
    expect(await failure(admin.getAccount(site.accountId))).toBe('404 account_unknown');
    expect(await failure(admin.deleteAccount(site.accountId))).toBe('404 account_unknown');
    expect(audit.entries.at(-1)).toMatchObject({ action: 'account.delete', target: site.accountId, actor: 'cli' });
  });

  it('revokes a key by id, once', async () => {
    const first = await admin.createAccount('acme');
    const second = await admin.addKey(first.accountId);
    await admin.revokeKey(first.accountId, first.keyId);
    expect(await sites.accountForKey(hashApiKey(first.apiKey))).toBeUndefined();
    expect(await sites.accountForKey(hashApiKey(second.apiKey))).toBe(first.accountId);
    expect(await failure(admin.revokeKey(first.accountId, first.keyId))).toBe('404 key_unknown');
    expect(audit.entries.at(-1)).toMatchObject({ action: 'key.revoke', target: first.keyId, details: { accountId: first.accountId } });
  });

  it('reads the audit log newest first, a page at a time', async () => {
    const key = await admin.createAccount('acme');
    for (const label of ['a', 'b', 'c']) await admin.addKey(key.accountId, label);
    const firstPage = await admin.auditEntries({ limit: 2 });
    expect(firstPage.map((entry) => entry.details.label)).toEqual(['c', 'b']);
    const secondPage = await admin.auditEntries({ limit: 2, before: firstPage.at(-1)?.id });
    expect(secondPage.map((entry) => entry.details.label)).toEqual(['a', '']);
  });
});
