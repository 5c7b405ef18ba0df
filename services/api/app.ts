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
import { requestObserver } from './observe-requests.js';
import { responseHeaders } from './security-headers.js';
import { requestFrame } from './request-frame.js';
import { routeBySegment } from './route-by-segment.js';
import { rateLimitGate } from './rate-limit.js';
import type { RateLimiter } from '../../shared/domain/abuse/ports.js';
import { errorWriter } from './error-handler.js';
import { classicErrorRenderer, classicRoutes } from './routes/classic-routes.js';
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
  app.silent = true; // errors are logged by the request frame's error writer, without request data

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
  const health = healthRoutes({ isReady: deps.isReady });
  const classic = classicRoutes({ store: deps.store, audio: deps.audio, metrics, publicUrl: config.publicUrl, parseBody, limit });
  const widget = widgetRoutes({ challenges: deps.challenges, modes: deps.modes, metrics, parseBody, limit, widgetScript: deps.widgetScript, audio: deps.audio });
  // Everything under /api/v2: the server-to-server siteverify and the widget's browser endpoints.
  const tokenApi = new Router();
  tokenApi.use(siteverifyRoutes({ siteverify: deps.siteverify, metrics, parseBody, limit }).routes());
  tokenApi.use(widget.routes());
  // The pages under /demo: the demo form and, when on, the reading study.
  const pages = new Router();
  if (deps.study) pages.use(studyRoutes({ ...deps.study, parseBody, limit }).routes());
  if (config.demoSitekey !== '' && config.demoApiKey !== '') {
    pages.use(demoRoutes({ sitekey: config.demoSitekey, apiKey: config.demoApiKey, parseBody, limit }).routes());
  }
  const routers = {
    healthz: health,
    readyz: health,
    'openapi.json': openApiRoutes(),
    '2.0': classic['2.0'],
    '3.0': classic['3.0'],
    api: tokenApi,
    'widget.js': widget,
    demo: pages,
  };

  const methodNotAllowed = (): AppError =>
    new AppError('method_not_allowed', 'Method not allowed on this resource.');

  app.use(
    requestFrame({
      isDraining: deps.isDraining,
      writeError: errorWriter({
        logger,
        onError: (error) => {
          if (error.code === 'store_unavailable') metrics.redisError();
        },
        rendererFor: (ctx) => classicErrorRenderer(ctx.path),
      }),
      setHeaders: responseHeaders(),
      observe: requestObserver(logger, metrics),
    }),
  );
  app.use(routeBySegment(routers, { throw: true, methodNotAllowed, notImplemented: methodNotAllowed }));
  return app;
}
