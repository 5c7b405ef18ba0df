/**
 * The reference and peer handlers of `npm run bench`, as one process of its
 * own (like the API, so each one's CPU is read apart from the other's), with
 * its own ioredis client to the benchmark's Redis.
 *
 * Environment: REDIS_URL, REFERENCE_PREFIX (its keys' prefix), and the ALTCHA
 * peer's ALTCHA_SIGNATURE_SECRET and ALTCHA_KEY_SIGNATURE_SECRET. Listens on
 * a free loopback port and prints `{"port": …}` once it does.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Router } from '@koa/router';
import { Redis } from 'ioredis';
import Koa from 'koa';
import { koaBody } from 'koa-body';
import { peerRoutes } from './peer-routes.js';
import { referenceRoutes } from './reference-routes.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const redis = new Redis(required('REDIS_URL'));
const prefix = required('REFERENCE_PREFIX');
const app = new Koa();
// The API's body parser is koa-body too; only POST routes pay for it, as there.
const parseBody = koaBody({ json: true, urlencoded: true, multipart: false, text: false });
app.use(async (ctx, next) => {
  if (ctx.method === 'POST') await parseBody(ctx, next);
  else await next();
});
const router = new Router();
router.use(referenceRoutes(redis, prefix).routes());
router.use(
  peerRoutes(redis, prefix, {
    altchaSignatureSecret: required('ALTCHA_SIGNATURE_SECRET'),
    altchaKeySignatureSecret: required('ALTCHA_KEY_SIGNATURE_SECRET'),
  }).routes(),
);
app.use(router.routes());

const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);

const stop = (): void => {
  server.close();
  redis.disconnect();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
