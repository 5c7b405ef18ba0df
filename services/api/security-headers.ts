import type { Middleware } from 'koa';
import helmet from 'koa-helmet';

/**
 * Headers by what a response is. HTML pages (demo, study) get helmet's whole
 * set: they run scripts and could be framed. Everything else (JSON, PNG, WAV,
 * the widget script) is read by code or shown as a resource, where only two
 * headers matter: `nosniff`, so no browser ever renders a body as HTML, and
 * `no-store` unless the route chose its own caching. Resources are meant to
 * be used cross-origin (images on other sites' pages, the widget script
 * loaded by them), so CORP says cross-origin, which pages under COEP need.
 * Skipping helmet's ten other headers saves ~500 bytes and a middleware's CPU
 * on every API response.
 */
export function securityHeaders(): Middleware {
  const htmlHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      if (ctx.response.is('html')) {
        // The pages set their own CSP; helmet's default only fills in where none was set.
        const ownPolicy = ctx.response.get('Content-Security-Policy');
        await htmlHeaders(ctx, () => Promise.resolve());
        if (ownPolicy) ctx.set('Content-Security-Policy', ownPolicy);
      } else {
        ctx.set('X-Content-Type-Options', 'nosniff');
        ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
        if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
      }
    }
  };
}

/**
 * The CSP of the demo page: its own scripts, styles (the widget's shadow DOM
 * uses inline styles), data: images, and blob: workers (the widget starts its
 * proof-of-work solver from a Blob URL). A site embedding the widget needs the
 * same `worker-src blob:`; without it the widget solves on the page, slower.
 * The Listen button plays the audio captcha from a Blob URL: `media-src blob:`.
 */
export const DEMO_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; worker-src blob:; media-src blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
