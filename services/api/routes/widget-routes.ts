import cors from '@koa/cors';
import { Router, type RouterContext } from '@koa/router';
import type { Middleware } from 'koa';
import { challengeGone, type AudioCaptchas } from '../../../shared/domain/audio/audio-captchas.js';
import { parseCaptchaId } from '../../../shared/domain/captcha/captcha-id.js';
import type { CaptchaMetrics } from '../../../shared/adapters/metrics/captcha-metrics.js';
import type { Site } from '../../../shared/domain/sites/site.js';
import type { RateLimitGate } from '../rate-limit.js';
import { authorizePage, type WidgetChallenges } from '../../../shared/domain/token/widget-challenges.js';
import type { ModeChallenge, WidgetModes } from '../../../shared/domain/token/widget-modes.js';
import { clientId } from '../../../shared/domain/abuse/client-id.js';
import { AppError, ERROR_CODES } from '../../../shared/domain/errors.js';
import { allowsOrigin, modeOf } from '../../../shared/domain/sites/site.js';
import { parseProof } from '../wire/puzzle-wire.js';
import { parseSolveRequest } from '../wire/widget-solve-request.js';

export interface WidgetRoutesOptions {
  readonly challenges: WidgetChallenges;
  readonly modes: WidgetModes;
  readonly metrics: CaptchaMetrics;
  readonly parseBody: Middleware;
  readonly limit: RateLimitGate;
  /** The built widget script, or undefined when it has not been built. */
  readonly widgetScript: Buffer | undefined;
  /** The "Listen" button's audio; without it the widget has no audio endpoint. */
  readonly audio?: AudioCaptchas;
}

/**
 * The browser endpoints behind the widget. The sitekey is in the path so that
 * CORS (preflights included) answers only the site's own origins.
 */
const OUTCOMES = { wrong_answer: 'mismatch', challenge_expired: 'unknown' } as const;

export function widgetRoutes({ challenges, modes, metrics, parseBody, limit, widgetScript, audio }: WidgetRoutesOptions): Router {
  const router = new Router();

  router.get('/widget.js', (ctx) => {
    if (!widgetScript) {
      ctx.status = 503;
      ctx.body = { error: { code: 'widget_not_built', detail: ERROR_CODES.widget_not_built.detail } };
      return;
    }
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
    ctx.body = widgetScript;
  });

  const loadSite: Middleware = async (ctx, next) => {
    ctx.state.site = await challenges.site((ctx as RouterContext).params.sitekey ?? '');
    await next();
  };
  const allowSiteOrigins = cors({
    origin: (ctx) => {
      const site = ctx.state.site;
      const origin = ctx.get('Origin');
      return site && allowsOrigin(site, origin) ? origin : '';
    },
    allowMethods: ['POST'],
    maxAge: 600,
  });
  /** Refuses unknown sites and foreign origins before any body is read. */
  const authorize: Middleware = async (ctx, next) => {
    const origin = ctx.get('Origin');
    ctx.state.page = { site: authorizePage(ctx.state.site, origin), origin };
    await next();
  };
  /** The page `authorize` let through; every handler below runs after it. */
  const authorized = (ctx: Pick<RouterContext, 'state'>): { site: Site; origin: string } => {
    if (!ctx.state.page) throw new AppError('internal_error', 'A widget handler ran before its page was authorized.');
    return ctx.state.page;
  };

  const base = '/api/v2/widget/:sitekey';

  // The current image challenge, spoken (a WAV file): only to the page it was issued to, and never consumed.
  if (audio) {
    const speak = async (ctx: RouterContext): Promise<void> => {
      const { site, origin } = authorized(ctx);
      const id = parseCaptchaId(ctx.params.challenge);
      const wav = id ? await audio.audio(id, challenges.shownTo(site, origin)) : undefined;
      if (!wav) throw challengeGone();
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'audio/wav';
      ctx.body = wav;
    };
    router.get(`${base}/audio/:challenge`, loadSite, allowSiteOrigins, limit('audio'), authorize, speak);
    router.post(`${base}/audio/:challenge`, loadSite, allowSiteOrigins, limit('audio'), authorize, speak);
  }

  router.options([`${base}/challenge`, `${base}/solve`, `${base}/proof`], loadSite, allowSiteOrigins);

  router.post(`${base}/challenge`, loadSite, allowSiteOrigins, limit('issue'), authorize, async (ctx) => {
    const { site, origin } = authorized(ctx);
    const challenge = await modes.challenge(site, origin, clientId(ctx.ip));
    metrics.issued('widget', site.sitekey);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = challengeBody(challenge);
  });

  /** In the pow modes an image alone never makes a token: answers go to /proof with their puzzle. */
  const imageModeOnly: Middleware = async (ctx, next) => {
    const { site } = authorized(ctx);
    if (modeOf(site) !== 'image') throw new AppError('puzzle_required');
    await next();
  };

  router.post(`${base}/solve`, loadSite, allowSiteOrigins, limit('solve'), authorize, imageModeOnly, parseBody, async (ctx) => {
    const { site, origin } = authorized(ctx);
    const { challengeId, answer } = parseSolveRequest(ctx.request.body);
    const outcome = await challenges.solve(site, origin, challengeId, answer);
    metrics.verified('widget', outcome.solved ? 'success' : OUTCOMES[outcome.reason], site.sitekey);
    if ('answered' in outcome && outcome.answered) {
      const { difficulty, answeredAfterMs } = outcome.answered;
      metrics.answered('widget', difficulty, outcome.solved ? 'success' : 'mismatch', answeredAfterMs / 1000, site.sitekey);
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = outcome.solved
      ? { solved: true, response: outcome.token, expiresAt: new Date(outcome.expiresAt).toISOString() }
      : {
          solved: false,
          error: {
            code: outcome.reason,
            detail: outcome.reason === 'wrong_answer' ? 'The answer was wrong; load a new challenge.' : 'The challenge expired or was used; load a new one.',
          },
        };
  });

  router.post(`${base}/proof`, loadSite, allowSiteOrigins, limit('solve'), authorize, parseBody, async (ctx) => {
    const { site, origin } = authorized(ctx);
    const { payload, answer } = parseProof(ctx.request.body);
    const outcome = await modes.prove(site, origin, clientId(ctx.ip), payload, answer);
    metrics.verified('widget', outcome.solved ? 'success' : PROOF_OUTCOMES[outcome.reason], site.sitekey);
    if (outcome.answered) {
      const { difficulty, answeredAfterMs } = outcome.answered;
      metrics.answered('widget', difficulty, outcome.solved ? 'success' : 'mismatch', answeredAfterMs / 1000, site.sitekey);
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = outcome.solved
      ? { solved: true, response: outcome.token, expiresAt: new Date(outcome.expiresAt).toISOString() }
      : { solved: false, error: { code: outcome.reason, detail: PROOF_DETAILS[outcome.reason] } };
  });

  return router;
}

const PROOF_OUTCOMES = { wrong_answer: 'mismatch', challenge_expired: 'unknown', puzzle_invalid: 'invalid' } as const;
const PROOF_DETAILS = {
  wrong_answer: 'The answer was wrong; load a new challenge.',
  challenge_expired: 'The puzzle expired or was used; load a new one.',
  puzzle_invalid: 'The puzzle was not solved, or not issued to this site and page; load a new one.',
} as const;

/** The challenge on the wire: an image as before, or a puzzle (with an image on a step-up). */
function challengeBody(challenge: ModeChallenge): Record<string, unknown> {
  const dataUrl = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;
  if (challenge.mode === 'image') {
    const { image } = challenge;
    return { mode: 'image', challenge: image.id, image: dataUrl(image.png), expiresAt: new Date(image.expiresAt).toISOString() };
  }
  return {
    mode: challenge.mode,
    puzzle: challenge.puzzle,
    work: challenge.work,
    expiresAt: new Date(challenge.expiresAt).toISOString(),
    // The image and its id (for its audio), not why this client got one: that stays on the server.
    ...(challenge.stepUp ? { challenge: challenge.stepUp.image.id, image: dataUrl(challenge.stepUp.image.png) } : {}),
  };
}
