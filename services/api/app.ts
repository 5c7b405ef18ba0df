import { Router } from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { AudioCaptchas } from '../../shared/domain/audio/audio-captchas.js';
import type { CaptchaStore } from '../../shared/domain/captcha/captcha-store.js';
import type { Config } from '../../shared/runtime/config.js';
import type { CaptchaMetrics } from '../../shared/adapters/metrics/captcha-metrics.js';
import { AppError } from '../../shared/domain/errors.js';
import { fieldsOnlyBodyParser } from './body-parser.js';
import type { Siteverify } from '../../shared/domain/token/siteverify.js';
import type { WidgetChallenges } from '../../shared/domain/token/widget-challenges.js';
import type { WidgetModes } from '../../shared/domain/token/widget-modes.js';
import { observeRequests } from './observe-requests.js';
import { securityHeaders } from './security-headers.js';
import { rateLimitGate } from './rate-limit.js';
import type { RateLimiter } from '../../shared/domain/abuse/ports.js';
import { errorHandler } from './error-handler.js';
import { classicErrorScope, classicRoutes } from './routes/classic-routes.js';
import { demoRoutes } from './routes/demo-routes.js';
import { openApiRoutes } from './routes/openapi-routes.js';
import { studyRoutes } from './routes/study-routes.js';
import type { Study } from '../../shared/domain/study/study.js';
import { healthRoutes, type Readiness } from '../../shared/runtime/health-routes.js';
import { siteverifyRoutes } from './routes/siteverify-routes.js';
import { widgetRoutes } from './routes/widget-routes.js';

export interface ApiDependencies {
  readonly config: Config;
  readonly metrics: CaptchaMetrics;
  readonly logger: Logger;
  readonly store: CaptchaStore;
  /** Each image captcha spoken, on request. */
  readonly audio: AudioCaptchas;
  readonly challenges: WidgetChallenges;
  readonly modes: WidgetModes;
  readonly siteverify: Siteverify;
  readonly rateLimiter: RateLimiter;
  readonly widgetScript: Buffer | undefined;
  /** The reading study behind /demo/study, when STUDY_PAGE is on. */
  readonly study: { readonly study: Study; readonly script: Buffer | undefined } | undefined;
  readonly isReady: () => Promise<Readiness>;
  /** True once a shutdown began: responses then close their connection. */
  readonly isDraining: () => boolean;
}

/** The Koa application: middleware order matters, error handling wraps everything below it. */
export function createApiApp(deps: ApiDependencies): Koa {
  const { config, logger, metrics } = deps;
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: config.proxyHops });
  app.silent = true; // errors are logged by errorHandler, without request data

  const parseBody = fieldsOnlyBodyParser(config.bodyLimitBytes);

  const limit = rateLimitGate(
    deps.rateLimiter,
    {
      issuePerMinute: config.rateLimitIssuePerMinute,
      solvePerMinute: config.rateLimitSolvePerMinute,
      siteverifyPerMinute: config.rateLimitSiteverifyPerMinute,
      audioPerMinute: config.rateLimitAudioPerMinute,
      liveCaptchasPerClient: config.rateLimitLiveCaptchasPerClient,
      captchaTtlSeconds: config.captchaTtlSeconds,
    },
    metrics,
  );
  const router = new Router();
  router.use(healthRoutes({ isReady: deps.isReady }).routes());
  router.use(openApiRoutes().routes());
  router.use(classicRoutes({ store: deps.store, audio: deps.audio, metrics, publicUrl: config.publicUrl, parseBody, limit }).routes());
  router.use(siteverifyRoutes({ siteverify: deps.siteverify, metrics, parseBody, limit }).routes());
  router.use(widgetRoutes({ challenges: deps.challenges, modes: deps.modes, metrics, parseBody, limit, widgetScript: deps.widgetScript, audio: deps.audio }).routes());
  if (deps.study) router.use(studyRoutes({ ...deps.study, parseBody, limit }).routes());
  if (config.demoSitekey !== '' && config.demoApiKey !== '') {
    router.use(demoRoutes({ sitekey: config.demoSitekey, apiKey: config.demoApiKey, parseBody, limit }).routes());
  }

  const methodNotAllowed = (): AppError =>
    new AppError('method_not_allowed', 'Method not allowed on this resource.');

  app.use(observeRequests(logger, metrics));
  app.use(errorHandler(logger, (error) => {
    if (error.code === 'store_unavailable') metrics.redisError();
  }));
  app.use(securityHeaders());
  app.use(async (ctx, next) => {
    if (deps.isDraining()) ctx.set('Connection', 'close');
    await next();
  });
  app.use(classicErrorScope());
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true, methodNotAllowed, notImplemented: methodNotAllowed }));
  return app;
}
