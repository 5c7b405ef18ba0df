import type { Context, Middleware } from 'koa';
import helmet from 'koa-helmet';

/**
 * Headers by what a response is. HTML pages (demo, study) get helmet's whole
 * set: they run scripts and could be framed. Everything else (JSON, PNG, WAV,
 * the widget script) is read by code or shown as a resource, where two
 * headers matter: `nosniff`, so no browser ever renders a body as HTML, and
 * `no-store` unless the route chose its own caching. Resources (images,
 * audio, the widget script) are meant to be used cross-origin by other
 * sites' pages, so they say CORP cross-origin, which pages under COEP need;
 * JSON is read through CORS or by servers, where CORP plays no part.
 * Skipping helmet's other headers saves ~500 bytes and CPU on every API
 * response; the header reads go to Node's response directly, because Koa's
 * `response.get` copies every header into a new object on each call.
 */
export function responseHeaders(): (ctx: Context) => Promise<void> | undefined {
  const htmlHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  const pageHeaders = async (ctx: Context): Promise<void> => {
    // The pages set their own CSP; helmet's default only fills in where none was set.
    const ownPolicy = ctx.res.getHeader('content-security-policy');
    await htmlHeaders(ctx, () => Promise.resolve());
    if (typeof ownPolicy === 'string') ctx.set('Content-Security-Policy', ownPolicy);
  };
  return (ctx) => {
    const type = ctx.res.getHeader('content-type');
    const text = typeof type === 'string' ? type : '';
    if (HTML.test(text)) return pageHeaders(ctx);
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (!JSON_TYPE.test(text)) ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
    if (!ctx.res.hasHeader('cache-control')) ctx.set('Cache-Control', 'no-store');
    return undefined;
  };
}

const HTML = /^\s*text\/html\b/i;
const JSON_TYPE = /^\s*application\/json\b/i;

/** The same headers as a middleware of its own (the ops port's admin API). */
export function securityHeaders(): Middleware {
  const setHeaders = responseHeaders();
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      await setHeaders(ctx);
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
