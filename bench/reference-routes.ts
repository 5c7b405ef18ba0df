/**
 * Reference handlers for `npm run bench`: the least a Koa + @koa/router
 * service on this Node can do for each hot path, with the same Redis work and
 * nothing else (no validation, no headers of our own, no metrics). Each hot
 * path's CPU per request is read against its reference's.
 */
import { Router } from '@koa/router';
import type { Redis } from 'ioredis';
import { decodeEntry } from '../shared/domain/captcha/captcha-entry.js';

/** Where the reference routes keep their data, apart from the API's keys. */
export const referenceKeys = (prefix: string) =>
  ({
    /** Ids of pooled entries, as the pool keeps them: the one-script reference pops one. */
    pool: `${prefix}:pool`,
    /** A pooled or live entry, as the API stores one (answer, PNG, binding). */
    entry: (id: string) => `${prefix}:entry:${id}`,
    /** A bare PNG of a rendered captcha. */
    png: `${prefix}:png`,
    /** A small value the one-round-trip references read. */
    one: `${prefix}:one`,
  }) as const;

/**
 * The one-script reference: pop an id, append the binding to its entry, give
 * the entry its lifetime, return the id. KEYS[1] is the id list; ARGV is the
 * entry key prefix, the binding, the lifetime in seconds.
 */
const ISSUE_SCRIPT = `
local id = redis.call('RPOP', KEYS[1])
if not id then return false end
local key = ARGV[1] .. id
redis.call('APPEND', key, ARGV[2])
redis.call('EXPIRE', key, ARGV[3])
return id
`;

interface ReferenceRedis extends Redis {
  referenceIssue(pool: string, entryPrefix: string, binding: string, ttlSeconds: number): Promise<string | null>;
}

export function referenceRoutes(redis: Redis, prefix: string): Router {
  const keys = referenceKeys(prefix);
  redis.defineCommand('referenceIssue', { numberOfKeys: 1, lua: ISSUE_SCRIPT });
  const scripted = redis as ReferenceRedis;
  const entryPrefix = keys.entry('');
  const router = new Router({ prefix: '/reference' });

  // The floor: Koa and the router answering a constant JSON body.
  router.get('/static', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  // Classic issue's reference: one EVALSHA of a small script returning an id.
  router.get('/issue', async (ctx) => {
    const id = await scripted.referenceIssue(keys.pool, entryPrefix, '\u0000', 600);
    if (id === null) ctx.throw(503, 'reference pool empty');
    ctx.body = { id };
  });

  // Image's reference: one GET of a rendered PNG.
  router.get('/image', async (ctx) => {
    const png = await redis.getBuffer(keys.png);
    if (png === null) ctx.throw(404);
    ctx.type = 'image/png';
    ctx.body = png;
  });

  // Classic check's reference: GETDEL of a live entry and a compare of its answer.
  router.get('/check/:id/:answer', async (ctx) => {
    const stored = await redis.getdelBuffer(keys.entry(ctx.params.id ?? ''));
    const entry = stored === null ? undefined : decodeEntry(stored);
    const success = entry !== undefined && entry.answer === ctx.params.answer;
    // A miss is not a 2xx, so the load generator counts it as an error.
    ctx.status = success ? 200 : 409;
    ctx.body = { success };
  });

  // Siteverify's and widget solve's reference: the body parsed, one GET.
  router.post('/one-read', async (ctx) => {
    const value = await redis.get(keys.one);
    ctx.status = value === null ? 409 : 200;
    ctx.body = { success: value !== null };
  });

  return router;
}
