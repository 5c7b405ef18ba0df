import type { Middleware } from 'koa';
import helmet from 'koa-helmet';

/**
 * helmet's headers on every response, set for an API whose resources are
 * meant to be used cross-origin: images are shown on other sites' pages and
 * the widget script is loaded by them, so CORP is cross-origin; nothing may
 * frame us; API responses may load nothing. The demo page widens its own CSP.
 */
export function securityHeaders(): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
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
