import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApi } from '../../services/api/main.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import { keyspace } from '../../shared/adapters/redis/keys.js';
import { call } from '../../tooling/api-client.js';
import { startRedisServer } from '../../tooling/redis-server.js';
import { siteverify, solveWidget, withAdmin, SITE_ORIGIN } from '../../tooling/token-api.js';
import { waitFor } from '../../tooling/wait-for.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';
import { skipResponseChecks } from '../support/unchecked-origins.js';

const TOKEN = randomBytes(32).toString('base64url');
const TOKEN_HASH = createHash('sha256').update(TOKEN).digest('hex');
const TOKEN_ID = `token:${TOKEN_HASH.slice(0, 12)}`;
const AUDIT_LENGTH = 12;

interface SiteJson {
  sitekey: string;
  accountId: string;
  name: string;
  origins: string[];
  mode: string;
  powWork: number | null;
  limits: { issuePerMinute: number | null; solvePerMinute: number | null };
}
interface KeyJson {
  keyId: string;
  label: string;
  createdAt: string | null;
  lastUsedAt: string | null;
  apiKey?: string;
}
interface AuditJson {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

describe('admin API', () => {
  let cluster: InProcessCluster;
  let ops: string;
  const apiKeys: string[] = [];

  /** A request to the admin API with the token (or `token: null` for none), a JSON body when given. */
  const admin = (path: string, init: { method?: string; body?: unknown; token?: string | null; base?: string; headers?: Record<string, string> } = {}) => {
    const token = init.token === undefined ? TOKEN : init.token;
    const headers: Record<string, string> = { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...init.headers };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['Content-Type'] ??= 'application/json';
    }
    return call(`${init.base ?? ops}/admin${path}`, { method: init.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) });
  };
  const expectError = (result: { status: number; json: unknown }, status: number, code: string) => {
    expect(result.status, JSON.stringify(result.json)).toBe(status);
    const { error } = result.json as { error: { code: string; detail: string } };
    expect(error.code).toBe(code);
    expect(error.detail.length).toBeGreaterThan(5);
  };
  const createSite = async (body: Record<string, unknown> = { name: 'shop', origins: [SITE_ORIGIN] }) => {
    const created = await admin('/sites', { method: 'POST', body });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const json = created.json as { site: SiteJson; key?: KeyJson };
    if (json.key?.apiKey) apiKeys.push(json.key.apiKey);
    return json;
  };
  const auditLog = async (query = '') => (await admin(`/audit${query}`)).json as { entries: AuditJson[]; next: string | null };

  beforeAll(async () => {
    cluster = await startInProcessCluster(
      testConfig(inject('redisUrl'), { ADMIN_TOKEN_SHA256: TOKEN_HASH, ADMIN_AUDIT_LOG_LENGTH: String(AUDIT_LENGTH) }),
    );
    ops = cluster.api.opsUrl;
    await cluster.waitForFullPool();
  });
  afterAll(() => cluster.stop());

  it('answers on the operations port only, never on the public one', async () => {
    const { site, key } = await createSite();
    const routes: [string, string][] = [
      ['GET', '/sites'],
      ['POST', '/sites'],
      ['GET', `/sites/${site.sitekey}`],
      ['PATCH', `/sites/${site.sitekey}`],
      ['DELETE', `/sites/${site.sitekey}`],
      ['GET', '/accounts'],
      ['POST', '/accounts'],
      ['GET', `/accounts/${site.accountId}`],
      ['DELETE', `/accounts/${site.accountId}`],
      ['GET', `/accounts/${site.accountId}/keys`],
      ['POST', `/accounts/${site.accountId}/keys`],
      ['DELETE', `/accounts/${site.accountId}/keys/${key?.keyId ?? ''}`],
      ['GET', '/audit'],
    ];
    for (const [method, path] of routes) {
      const body = method === 'POST' || method === 'PATCH' ? { body: { name: 'x', origins: [SITE_ORIGIN] } } : {};
      expectError(await admin(path, { method, base: cluster.api.url, ...body }), 404, 'not_found');
    }
    expect((await admin(`/sites/${site.sitekey}`)).json).toEqual({ site });
    expect((await call(`${ops}/healthz`)).json).toEqual({ status: 'ok' });
  });

  it('refuses a request without a valid bearer token (401 unauthorized), before reading its body', async () => {
    const before = (await auditLog()).entries[0]?.id;
    for (const token of [null, '', 'wrong', TOKEN.slice(1), `${TOKEN}x`, TOKEN_HASH]) {
      const refused = await admin('/sites', { method: 'POST', token, body: '{"not json' });
      expectError(refused, 401, 'unauthorized');
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(refused.bytes.toString()).not.toContain(TOKEN);
    }
    for (const authorization of [`Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`, TOKEN, `Bearer${TOKEN}`]) {
      expectError(await admin('/audit', { token: null, headers: { Authorization: authorization } }), 401, 'unauthorized');
    }
    expect((await admin('/sites', { token: null, headers: { Authorization: `bearer  ${TOKEN}` } })).status).toBe(200);
    expect((await auditLog()).entries[0]?.id).toBe(before);
  });

  it('creates, shows, changes and deletes a site, with JSON in and out', async () => {
    const { site, key } = await createSite({ name: 'shop', origins: [`${SITE_ORIGIN}/`, 'https://WWW.shop.example'] });
    expect(site).toMatchObject({ name: 'shop', origins: [SITE_ORIGIN, 'https://www.shop.example'], mode: 'image', powWork: null });
    expect(site.limits).toEqual({ issuePerMinute: null, solvePerMinute: null });
    expect(key).toMatchObject({ label: '', lastUsedAt: null, apiKey: expect.stringMatching(/^cck_/) as string });
    expect((await admin(`/sites/${site.sitekey}`)).json).toEqual({ site });

    const changed = await admin(`/sites/${site.sitekey}`, {
      method: 'PATCH',
      body: { name: 'Shop', mode: 'pow+image', powWork: 80_000, limits: { issuePerMinute: 60 } },
    });
    expect(changed.status).toBe(200);
    const expected = { ...site, name: 'Shop', mode: 'pow+image', powWork: 80_000, limits: { issuePerMinute: 60, solvePerMinute: null } };
    expect(changed.json).toEqual({ site: expected });
    expect((await admin(`/sites/${site.sitekey}`)).json).toEqual({ site: expected });
    // The pods read sites from Redis on every request: the widget sees the new mode at once.
    const challenge = await call(`${cluster.api.url}/api/v2/widget/${site.sitekey}/challenge`, { method: 'POST', headers: { Origin: SITE_ORIGIN } });
    expect(challenge.json).toMatchObject({ mode: 'pow+image' });

    const reset = await admin(`/sites/${site.sitekey}`, { method: 'PATCH', body: { powWork: null, limits: null, mode: 'image' } });
    expect((reset.json as { site: SiteJson }).site).toMatchObject({ powWork: null, mode: 'image', limits: { issuePerMinute: null, solvePerMinute: null } });
    const listed = (await admin('/sites')).json as { sites: SiteJson[] };
    expect(listed.sites.map((s) => s.sitekey)).toContain(site.sitekey);

    expect((await admin(`/sites/${site.sitekey}`, { method: 'DELETE' })).json).toEqual({ deleted: { sitekey: site.sitekey } });
    expectError(await admin(`/sites/${site.sitekey}`), 404, 'sitekey_unknown');
    const gone = await call(`${cluster.api.url}/api/v2/widget/${site.sitekey}/challenge`, { method: 'POST', headers: { Origin: SITE_ORIGIN } });
    expect(gone.status).toBe(404);
  });

  it('sitekey_unknown, account_unknown and key_unknown (404) for ids that name nothing', async () => {
    const { site } = await createSite();
    for (const path of ['/sites/FCAAAAAAAAAAAAAA', '/sites/not-a-sitekey', `/sites/${'x'.repeat(2000)}`]) {
      expectError(await admin(path), 404, 'sitekey_unknown');
      expectError(await admin(path, { method: 'PATCH', body: { mode: 'pow' } }), 404, 'sitekey_unknown');
      expectError(await admin(path, { method: 'DELETE' }), 404, 'sitekey_unknown');
    }
    for (const accountId of ['acct_missing00000', 'nobody']) {
      expectError(await admin(`/accounts/${accountId}`), 404, 'account_unknown');
      expectError(await admin(`/accounts/${accountId}/keys`), 404, 'account_unknown');
      expectError(await admin(`/accounts/${accountId}/keys`, { method: 'POST', body: {} }), 404, 'account_unknown');
      expectError(await admin(`/accounts/${accountId}`, { method: 'DELETE' }), 404, 'account_unknown');
    }
    expectError(await admin('/sites', { method: 'POST', body: { name: 'x', origins: [SITE_ORIGIN], accountId: 'acct_missing00000' } }), 404, 'account_unknown');
    expectError(await admin(`/accounts/${site.accountId}/keys/000000000000`, { method: 'DELETE' }), 404, 'key_unknown');
    expectError(await admin(`/accounts/${site.accountId}/keys/nope`, { method: 'DELETE' }), 404, 'key_unknown');
  });

  it('origin_invalid (400) for anything in allowed origins that is not an origin; nothing changes', async () => {
    const { site } = await createSite();
    const sitesBefore = ((await admin('/sites')).json as { sites: SiteJson[] }).sites.length;
    for (const bad of ['shop.example', 'https://shop.example/path', 'ftp://shop.example', 'https://*.example', 'https://user@shop.example', 'null']) {
      expectError(await admin('/sites', { method: 'POST', body: { name: 'x', origins: [SITE_ORIGIN, bad] } }), 400, 'origin_invalid');
      expectError(await admin(`/sites/${site.sitekey}`, { method: 'PATCH', body: { origins: [bad] } }), 400, 'origin_invalid');
    }
    expect(((await admin('/sites')).json as { sites: SiteJson[] }).sites).toHaveLength(sitesBefore);
    expect(((await admin(`/sites/${site.sitekey}`)).json as { site: SiteJson }).site.origins).toEqual([SITE_ORIGIN]);
  });

  it('refuses a bad body with a 4xx naming what is wrong, never a 500', async () => {
    const { site } = await createSite();
    const patch = (body: unknown, headers: Record<string, string> = {}) => admin(`/sites/${site.sitekey}`, { method: 'PATCH', body, headers });
    expectError(await patch('{"mode": "pow"'), 400, 'bad_request');
    expectError(await patch('"pow"'), 400, 'bad_request');
    for (const body of [{}, [], { mode: 'captcha' }, { powWork: 10 }, { powWork: '50000' }, { limits: { issuePerMinute: -1 } }, { limits: { perHour: 5 } }, { origins: [] }, { name: '' }, { colour: 'red' }]) {
      const refused = await patch(body);
      expectError(refused, 400, 'invalid_argument');
    }
    const named = (await patch({ mode: 'captcha', powWork: 10 })).json as { error: { detail: string } };
    expect(named.error.detail).toMatch(/mode: .*powWork: /);
    expectError(await patch('mode=pow', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    expectError(await admin('/sites', { method: 'POST', body: { name: 'x'.repeat(20_000), origins: [SITE_ORIGIN] } }), 413, 'payload_too_large');
    expectError(await admin('/sites', { method: 'POST', body: { origins: [SITE_ORIGIN] } }), 400, 'invalid_argument');
    expectError(await admin('/audit?limit=0'), 400, 'invalid_argument');
    expectError(await admin('/audit?before=yesterday'), 400, 'invalid_argument');
    expectError(await admin('/sites', { method: 'PUT', body: {} }), 405, 'method_not_allowed');
    expectError(await admin('/nothing-here'), 404, 'not_found');
    expect(((await admin(`/sites/${site.sitekey}`)).json as { site: SiteJson }).site).toMatchObject({ mode: 'image', powWork: null });
  });

  it('keeps labelled, dated keys whose last use siteverify records; a revoked key is refused at once', async () => {
    const { site } = await createSite();
    const created = await admin(`/accounts/${site.accountId}/keys`, { method: 'POST', body: { label: 'production' } });
    expect(created.status).toBe(201);
    const key = (created.json as { key: KeyJson }).key;
    apiKeys.push(key.apiKey ?? '');
    expect(key).toMatchObject({ label: 'production', lastUsedAt: null });
    expect(Date.parse(key.createdAt ?? '')).toBeGreaterThan(Date.now() - 60_000);

    const before = Date.now();
    const verified = await siteverify(cluster.api.url, key.apiKey, { response: await solveWidget(cluster.api.url, cluster.answers, site.sitekey) });
    expect(verified.json).toMatchObject({ success: true });
    const listedKey = async () => ((await admin(`/accounts/${site.accountId}/keys`)).json as { keys: KeyJson[] }).keys.find((k) => k.keyId === key.keyId);
    await waitFor(async () => (await listedKey())?.lastUsedAt !== null, 5000, 'the key\'s last use to be recorded');
    const used = await listedKey();
    expect(Date.parse(used?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(Date.parse(used?.lastUsedAt ?? '')).toBeLessThanOrEqual(Date.now());
    expect(used).not.toHaveProperty('apiKey');

    const account = (await admin(`/accounts/${site.accountId}`)).json as { account: { accountId: string }; keys: KeyJson[]; sitekeys: string[] };
    expect(account.account.accountId).toBe(site.accountId);
    expect(account.sitekeys).toEqual([site.sitekey]);
    expect(account.keys.map((k) => k.label).sort()).toEqual(['', 'production']);

    expect((await admin(`/accounts/${site.accountId}/keys/${key.keyId}`, { method: 'DELETE' })).json).toEqual({ revoked: { keyId: key.keyId } });
    const refused = await siteverify(cluster.api.url, key.apiKey, { response: await solveWidget(cluster.api.url, cluster.answers, site.sitekey) });
    expect(refused).toMatchObject({ status: 401, json: { success: false, error: { error_code: 'auth_invalid' } } });
    expect(await listedKey()).toBeUndefined();
    expectError(await admin(`/accounts/${site.accountId}/keys/${key.keyId}`, { method: 'DELETE' }), 404, 'key_unknown');
  });

  it('deletes an account only once its sites are gone, and its keys stop working', async () => {
    const created = await admin('/accounts', { method: 'POST', body: { name: 'acme', keyLabel: 'first' } });
    expect(created.status).toBe(201);
    const { account, key } = created.json as { account: { accountId: string; name: string; createdAt: string }; key: KeyJson };
    apiKeys.push(key.apiKey ?? '');
    expect(account).toMatchObject({ name: 'acme' });
    expect(key.label).toBe('first');
    const { site } = await createSite({ name: 'acme shop', origins: [SITE_ORIGIN], accountId: account.accountId });
    const accounts = (await admin('/accounts')).json as { accounts: { accountId: string }[] };
    expect(accounts.accounts.map((a) => a.accountId)).toContain(account.accountId);

    expectError(await admin(`/accounts/${account.accountId}`, { method: 'DELETE' }), 409, 'account_has_sites');
    const token = await solveWidget(cluster.api.url, cluster.answers, site.sitekey);
    await admin(`/sites/${site.sitekey}`, { method: 'DELETE' });
    expect((await admin(`/accounts/${account.accountId}`, { method: 'DELETE' })).json).toEqual({ deleted: { accountId: account.accountId } });
    expectError(await admin(`/accounts/${account.accountId}`), 404, 'account_unknown');
    expect((await siteverify(cluster.api.url, key.apiKey, { response: token })).json).toMatchObject({ error: { error_code: 'auth_invalid' } });
  });

  it('audits API and CLI actions with who, what, when and target', async () => {
    const { site } = await createSite();
    await admin(`/sites/${site.sitekey}`, { method: 'PATCH', body: { mode: 'pow' } });
    await withAdmin(cluster.config, (cli) => cli.setPowWork(site.sitekey, 50_000));
    const { entries } = await auditLog('?limit=3');
    expect(entries.map((entry) => [entry.actor, entry.action, entry.target])).toEqual([
      ['cli', 'site.update', site.sitekey],
      [TOKEN_ID, 'site.update', site.sitekey],
      [TOKEN_ID, 'site.create', site.sitekey],
    ]);
    expect(entries[0]?.details).toEqual({ powWork: 50_000 });
    expect(entries[1]?.details).toEqual({ mode: 'pow' });
    for (const entry of entries) expect(Date.now() - Date.parse(entry.at)).toBeLessThan(30_000);
  });

  it('keeps the audit log bounded, pages through it, and holds no secret', async () => {
    for (let index = 0; index < AUDIT_LENGTH + 5; index++) await createSite({ name: `site ${index}`, origins: [SITE_ORIGIN] });
    const all = await auditLog('?limit=1000');
    expect(all.entries).toHaveLength(AUDIT_LENGTH);
    expect(all.next).toBeNull();
    const redis = createRedisClient(cluster.config, { failFast: false });
    try {
      expect(await redis.xlen(keyspace(cluster.config.keyPrefix).auditLog)).toBe(AUDIT_LENGTH);
    } finally {
      await redis.quit();
    }
    const first = await auditLog('?limit=5');
    expect(first.next).toBe(first.entries.at(-1)?.id);
    const second = await auditLog(`?limit=5&before=${first.next ?? ''}`);
    expect([...first.entries, ...second.entries].map((entry) => entry.id)).toEqual(all.entries.slice(0, 10).map((entry) => entry.id));

    const text = JSON.stringify(all);
    expect(apiKeys.length).toBeGreaterThan(AUDIT_LENGTH);
    for (const secret of [TOKEN, TOKEN_HASH, ...apiKeys, ...apiKeys.map((apiKey) => createHash('sha256').update(apiKey).digest('hex'))]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('cck_');
    const metrics = await call(`${ops}/metrics`);
    expect(metrics.bytes.toString()).not.toContain(TOKEN_HASH.slice(0, 12));
  });
});

describe('admin API without a token configured', () => {
  it('does not exist', async () => {
    const api = await startApi(testConfig(inject('redisUrl')));
    skipResponseChecks(api.opsUrl); // the operations port is outside the public API's description
    try {
      expect((await call(`${api.opsUrl}/healthz`)).status).toBe(200);
      for (const authorization of [undefined, 'Bearer anything']) {
        const result = await call(`${api.opsUrl}/admin/sites`, { headers: authorization ? { Authorization: authorization } : {} });
        expect(result).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
      }
    } finally {
      await api.stop();
    }
  });
});

describe('admin API while Redis is away', () => {
  it('answers 503 store_unavailable, never a 500', async () => {
    const redis = await startRedisServer();
    const api = await startApi(testConfig(redis.url, { ADMIN_TOKEN_SHA256: TOKEN_HASH }));
    skipResponseChecks(api.opsUrl);
    const request = (method: string, path: string, body?: unknown) =>
      call(`${api.opsUrl}/admin${path}`, {
        method,
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    try {
      const created = await request('POST', '/sites', { name: 'shop', origins: [SITE_ORIGIN] });
      const { site, key } = created.json as { site: SiteJson; key: KeyJson };
      await redis.stop();
      for (const [method, path, body] of [
        ['GET', '/sites'],
        ['POST', '/sites', { name: 'shop', origins: [SITE_ORIGIN] }],
        ['PATCH', `/sites/${site.sitekey}`, { mode: 'pow' }],
        ['DELETE', `/sites/${site.sitekey}`],
        ['GET', `/accounts/${site.accountId}`],
        ['POST', `/accounts/${site.accountId}/keys`, {}],
        ['DELETE', `/accounts/${site.accountId}/keys/${key.keyId}`],
        ['GET', '/audit'],
      ] as const) {
        const answer = await request(method, path, body);
        expect(answer, `${method} ${path}`).toMatchObject({ status: 503, json: { error: { code: 'store_unavailable' } } });
      }
    } finally {
      await api.stop();
      await redis.stop();
    }
  });
});
