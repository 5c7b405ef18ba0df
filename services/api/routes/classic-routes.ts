import { Router, type RouterContext } from '@koa/router';
import type { Middleware } from 'koa';
import type { AudioCaptchas } from '../../../shared/domain/audio/audio-captchas.js';
import type { CaptchaStore } from '../../../shared/domain/captcha/captcha-store.js';
import { parseCaptchaId } from '../../../shared/domain/captcha/captcha-id.js';
import {
  CLASSIC_VERSIONS,
  classicErrorResponse,
  imagePath,
  issueResponse,
  mismatchResponse,
  testSuccessResponse,
  type ClassicVerb,
  type ClassicVersion,
  type IssueEnvelope,
  type WireResponse,
} from '../wire/classic-wire.js';
import { AppError, badRequest } from '../../../shared/domain/errors.js';
import type { CaptchaMetrics } from '../../../shared/adapters/metrics/captcha-metrics.js';
import { baseUrl, socketHost } from '../wire/base-url.js';
import type { ErrorRenderer } from '../error-handler.js';
import type { RateLimitGate } from '../rate-limit.js';

export interface ClassicRoutesOptions {
  readonly store: CaptchaStore;
  /** The spoken alternative of each image, at getAudio. */
  readonly audio: AudioCaptchas;
  readonly metrics: CaptchaMetrics;
  readonly publicUrl: string;
  readonly parseBody: Middleware;
  readonly limit: RateLimitGate;
}

const imageNotFound = (): AppError => new AppError('captcha_not_found', 'No live captcha has this hash.');

/** The Tornevall-compatible image captcha API under /2.0/captcha and /3.0/captcha. */
const OUTCOMES = { match: 'success', mismatch: 'mismatch', unknown: 'unknown' } as const;

/** One router per version, so a request is matched only against its own version's routes. */
export function classicRoutes({ store, audio, metrics, publicUrl, parseBody, limit }: ClassicRoutesOptions): Record<ClassicVersion, Router> {
  const routers = {} as Record<ClassicVersion, Router>;
  for (const version of CLASSIC_VERSIONS) {
    const router = new Router();
    routers[version] = router;
    const base = `/${version}/captcha`;
    const api = version === '2.0' ? 'classic_v2' : 'classic_v3';
    const issue = (envelope: IssueEnvelope) => async (ctx: RouterContext) => {
      const captcha = await store.issue();
      metrics.issued(api);
      const imageUrl = baseUrl(publicUrl, requestOrigin(ctx)) + imagePath(version, captcha.id);
      send(ctx, issueResponse(version, envelope, { imageUrl, ...captcha }));
    };

    const image = async (ctx: RouterContext) => {
      const id = parseCaptchaId(ctx.params.hash);
      const png = id ? await store.image(id) : undefined;
      if (!png) throw imageNotFound();
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'image/png';
      ctx.body = png;
    };

    // The same live captcha as its image, spoken afresh on every request; listening never consumes it.
    const spoken = async (ctx: RouterContext) => {
      const id = parseCaptchaId(ctx.params.hash);
      const wav = id ? await audio.audio(id) : undefined;
      if (!wav) throw imageNotFound();
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'audio/wav';
      ctx.body = wav;
    };

    const test = async (ctx: RouterContext, hash: unknown, typed: unknown) => {
      if (typeof hash !== 'string' || hash === '') throw badRequest('The "hash" field is required.');
      if (typeof typed !== 'string') throw badRequest('The "response" field is required.');
      const id = parseCaptchaId(hash);
      // A hash that cannot be ours answers exactly like an unknown one.
      const result = id ? await store.check(id, typed) : { outcome: 'unknown' as const };
      metrics.verified(api, OUTCOMES[result.outcome]);
      if (result.outcome !== 'unknown') {
        metrics.answered(api, result.difficulty, OUTCOMES[result.outcome], result.answeredAfterMs / 1000);
      }
      send(ctx, result.outcome === 'match' ? testSuccessResponse() : mismatchResponse(version));
    };

    router.get([base, `${base}/`], limit('issue'), issue('captchaResponse'));
    router.get(`${base}/getCaptcha`, limit('issue'), issue('getCaptchaResponse'));
    router.get([`${base}/getImage/hash/:hash`, `${base}/getImage/:hash`], image);
    router.get([`${base}/getAudio/hash/:hash`, `${base}/getAudio/:hash`], limit('audio'), spoken);
    router.get(`${base}/testCaptcha/hash/:hash/response/:response`, limit('solve'), (ctx) =>
      test(ctx, ctx.params.hash, ctx.params.response),
    );
    router.post(`${base}/testCaptcha`, limit('solve'), parseBody, (ctx) => {
      const fields = bodyFields(ctx.request.body);
      return test(ctx, fields.hash, fields.response);
    });
  }
  return routers;
}

function requestOrigin(ctx: RouterContext): { protocol: string; host: string; localHost: () => string } {
  // The socket's address is only worked out for a malformed Host header.
  return { protocol: ctx.protocol, host: ctx.host, localHost: () => socketHost(ctx.req.socket) };
}

const CLASSIC_PATH = /^\/([23]\.0)\/captcha(?:\/([^/]*))?/i;

/**
 * The error envelope of the classic API version a path is under, unknown paths
 * and methods included; undefined elsewhere. Read only when a request fails,
 * so answered requests never pay for the match.
 */
export function classicErrorRenderer(path: string): ErrorRenderer | undefined {
  const match = CLASSIC_PATH.exec(path);
  if (!match) return undefined;
  const version = match[1] === '2.0' ? '2.0' : '3.0';
  const segment = (match[2] ?? '').toLowerCase();
  const verb: ClassicVerb =
    segment === 'testcaptcha' ? 'testCaptcha' : segment === 'getimage' ? 'getImage' : segment === 'getaudio' ? 'getAudio' : 'getCaptcha';
  return (error) => classicErrorResponse(version, verb, error);
}

function send(ctx: RouterContext, { status, body }: WireResponse): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

function bodyFields(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('Send "hash" and "response" as a JSON object or form fields.');
  }
  return body as Record<string, unknown>;
}
