import { Router } from '@koa/router';
import type { Middleware, ParameterizedContext } from 'koa';
import { koaBody } from 'koa-body';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/domain/errors.js';
import {
  auditQueryInput,
  newAccountInput,
  newKeyInput,
  newSiteInput,
  parseAdminInput,
  siteChangesInput,
} from '../../../shared/domain/sites/admin-input.js';
import type { AdminTokens } from '../../../shared/domain/sites/admin-tokens.js';
import type { NewKey, SiteAdmin } from '../../../shared/domain/sites/site-admin.js';
import { modeOf, type Account, type ApiKeyInfo, type Site } from '../../../shared/domain/sites/site.js';
import { errorHandler } from '../error-handler.js';
import { securityHeaders } from '../security-headers.js';

export interface AdminRoutesOptions {
  readonly admin: SiteAdmin;
  readonly tokens: AdminTokens;
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
}

const unauthorized = (): AppError => new AppError('unauthorized', undefined, { 'WWW-Authenticate': 'Bearer realm="captcha-admin"' });

/** Every route checks `Authorization: Bearer <token>` against the configured hashes before anything else, its body included. */
function authorize(tokens: AdminTokens): Middleware {
  return async (ctx, next) => {
    const bearer = /^Bearer +([^\s]+) *$/i.exec(ctx.get('Authorization'))?.[1];
    const actor = bearer === undefined ? undefined : tokens.identify(bearer);
    if (actor === undefined) throw unauthorized();
    ctx.state.adminActor = actor;
    await next();
  };
}

/** JSON bodies only; an empty body is an empty object, so optional-only bodies may be left out. */
function parseJson(limitBytes: number): Middleware {
  const parse = koaBody({ json: true, urlencoded: false, multipart: false, text: false, jsonLimit: limitBytes });
  return async (ctx, next) => {
    const hasContent = (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';
    if (hasContent && !ctx.is('json')) throw new AppError('unsupported_media_type', 'Send JSON, with Content-Type: application/json.');
    await parse(ctx, next);
  };
}

/**
 * The admin HTTP API, served on the operations port only: sites, accounts,
 * API keys and the audit log, as JSON. Each route parses its input with the
 * same schemas as the admin CLI and calls one SiteAdmin operation, acting as
 * the token that authorised the request.
 */
export function adminRoutes({ admin, tokens, logger, bodyLimitBytes }: AdminRoutesOptions): Router {
  const router = new Router({ prefix: '/admin' });
  router.use(errorHandler(logger), securityHeaders(), authorize(tokens), parseJson(bodyLimitBytes));
  const as = (ctx: ParameterizedContext): SiteAdmin => {
    if (ctx.state.adminActor === undefined) throw unauthorized();
    return admin.actingAs(ctx.state.adminActor);
  };

  router.get('/sites', async (ctx) => {
    ctx.body = { sites: (await admin.listSites()).map(siteJson) };
  });
  router.post('/sites', async (ctx) => {
    const { site, key } = await as(ctx).createSite(parseAdminInput(newSiteInput, ctx.request.body));
    ctx.status = 201;
    ctx.body = key ? { site: siteJson(site), key: newKeyJson(key) } : { site: siteJson(site) };
  });
  router.get('/sites/:sitekey', async (ctx) => {
    ctx.body = { site: siteJson(await admin.getSite(ctx.params.sitekey ?? '')) };
  });
  router.patch('/sites/:sitekey', async (ctx) => {
    const changes = parseAdminInput(siteChangesInput, ctx.request.body);
    ctx.body = { site: siteJson(await as(ctx).updateSite(ctx.params.sitekey ?? '', changes)) };
  });
  router.delete('/sites/:sitekey', async (ctx) => {
    const sitekey = ctx.params.sitekey ?? '';
    await as(ctx).deleteSite(sitekey);
    ctx.body = { deleted: { sitekey } };
  });

  router.get('/accounts', async (ctx) => {
    ctx.body = { accounts: (await admin.listAccounts()).map(accountJson) };
  });
  router.post('/accounts', async (ctx) => {
    const { name, keyLabel } = parseAdminInput(newAccountInput, ctx.request.body);
    const key = await as(ctx).createAccount(name, keyLabel);
    const { account } = await admin.getAccount(key.accountId);
    ctx.status = 201;
    ctx.body = { account: accountJson(account), key: newKeyJson(key) };
  });
  router.get('/accounts/:accountId', async (ctx) => {
    const { account, keys, sitekeys } = await admin.getAccount(ctx.params.accountId ?? '');
    ctx.body = { account: accountJson(account), keys: keys.map(keyJson), sitekeys };
  });
  router.delete('/accounts/:accountId', async (ctx) => {
    const accountId = ctx.params.accountId ?? '';
    await as(ctx).deleteAccount(accountId);
    ctx.body = { deleted: { accountId } };
  });
  router.get('/accounts/:accountId/keys', async (ctx) => {
    ctx.body = { keys: (await admin.listKeys(ctx.params.accountId ?? '')).map(keyJson) };
  });
  router.post('/accounts/:accountId/keys', async (ctx) => {
    const { label } = parseAdminInput(newKeyInput, ctx.request.body);
    ctx.status = 201;
    ctx.body = { key: newKeyJson(await as(ctx).addKey(ctx.params.accountId ?? '', label)) };
  });
  router.delete('/accounts/:accountId/keys/:keyId', async (ctx) => {
    const keyId = ctx.params.keyId ?? '';
    await as(ctx).revokeKey(ctx.params.accountId ?? '', keyId);
    ctx.body = { revoked: { keyId } };
  });

  router.get('/audit', async (ctx) => {
    const query = parseAdminInput(auditQueryInput, ctx.query);
    const entries = await admin.auditEntries(query);
    ctx.body = { entries, next: entries.length === query.limit ? (entries.at(-1)?.id ?? null) : null };
  });
  return router;
}

/** A site as the admin API shows it: defaults spelt out as null, the mode as it applies. */
function siteJson(site: Site) {
  return {
    sitekey: site.sitekey,
    accountId: site.accountId,
    name: site.name,
    origins: site.origins,
    mode: modeOf(site),
    powWork: site.powWork ?? null,
    limits: { issuePerMinute: site.limits?.issuePerMinute ?? null, solvePerMinute: site.limits?.solvePerMinute ?? null },
  };
}

function accountJson(account: Account) {
  return { accountId: account.accountId, name: account.name, createdAt: account.createdAt ?? null };
}

function keyJson(key: ApiKeyInfo) {
  return { keyId: key.keyId, label: key.label, createdAt: key.createdAt ?? null, lastUsedAt: key.lastUsedAt ?? null };
}

/** The only answer that carries an API key: the one that creates it. */
function newKeyJson(key: NewKey) {
  return { ...keyJson(key), accountId: key.accountId, apiKey: key.apiKey };
}
