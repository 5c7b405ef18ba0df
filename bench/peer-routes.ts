/**
 * Peers for `npm run bench`: two other captcha libraries' server-side checks
 * behind the same Koa harness and the same Redis as the references, so our
 * siteverify can be read beside them.
 *
 * - Cap (`@cap.js/server`): `validateToken` splits the token, SHA-256s its
 *   secret half, reads the stored expiry and deletes it (single use) through
 *   the library's storage hooks, which here are one Redis key per token.
 * - ALTCHA (`altcha-lib`, v2, as shared/domain/pow/puzzle.ts configures it):
 *   `verifySolution` checks the challenge's HMAC signature and the derived
 *   key's HMAC signature. The library keeps no record of solutions it has
 *   seen, so, as its documentation asks of the server, the route marks the
 *   challenge's nonce used with one SET NX EX.
 */
import { Router } from '@koa/router';
import Cap from '@cap.js/server';
import { verifySolution, type Challenge, type Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Redis } from 'ioredis';

export interface PeerSecrets {
  readonly altchaSignatureSecret: string;
  readonly altchaKeySignatureSecret: string;
}

/** Cap's token storage hooks on Redis: one key per token holding its expiry, expiring with it. */
export function capTokenStorage(redis: Redis, prefix: string): Cap.TokenStorage {
  const key = (tokenKey: string) => `${prefix}:cap:token:${tokenKey}`;
  return {
    store: async (tokenKey, expires) => {
      await redis.set(key(tokenKey), String(expires), 'PXAT', expires);
    },
    get: async (tokenKey) => {
      const expires = await redis.get(key(tokenKey));
      return expires === null ? null : Number(expires);
    },
    delete: async (tokenKey) => {
      await redis.del(key(tokenKey));
    },
    // Redis expires the keys itself.
    deleteExpired: () => Promise.resolve(),
  };
}

/** A Cap instance keeping its tokens in Redis (no state file, no sweeps: the keys expire). */
export function capWithRedis(redis: Redis, prefix: string): Cap {
  return new Cap({ noFSState: true, disableAutoCleanup: true, storage: { tokens: capTokenStorage(redis, prefix) } });
}

/** What an ALTCHA widget posts: base64 of `{challenge, solution}`. */
export interface AltchaPayload {
  readonly challenge: Challenge;
  readonly solution: Solution;
}

export function peerRoutes(redis: Redis, prefix: string, secrets: PeerSecrets): Router {
  const cap = capWithRedis(redis, prefix);
  const router = new Router({ prefix: '/peer' });

  router.post('/cap/siteverify', async (ctx) => {
    const { response } = ctx.request.body as { response?: unknown };
    const { success } = await cap.validateToken(typeof response === 'string' ? response : '');
    // A refusal is not a 2xx, so the load generator counts it as an error.
    ctx.status = success ? 200 : 409;
    ctx.body = { success };
  });

  router.post('/altcha/verify', async (ctx) => {
    const { payload } = ctx.request.body as { payload?: unknown };
    const decoded = JSON.parse(Buffer.from(typeof payload === 'string' ? payload : '', 'base64').toString('utf8')) as AltchaPayload;
    const result = await verifySolution({
      challenge: decoded.challenge,
      solution: decoded.solution,
      deriveKey,
      hmacSignatureSecret: secrets.altchaSignatureSecret,
      hmacKeySignatureSecret: secrets.altchaKeySignatureSecret,
    });
    const firstUse = result.verified && (await redis.set(`${prefix}:altcha:used:${decoded.challenge.parameters.nonce}`, '1', 'EX', 600, 'NX')) === 'OK';
    ctx.status = firstUse ? 200 : 409;
    ctx.body = { success: firstUse };
  });

  return router;
}
