import { Router, type RouterContext } from '@koa/router';
import type { Middleware } from 'koa';
import { socketHost } from '../wire/base-url.js';
import { DEMO_CONTENT_SECURITY_POLICY } from '../security-headers.js';
import type { RateLimitGate } from '../rate-limit.js';

export interface DemoRoutesOptions {
  readonly sitekey: string;
  readonly apiKey: string;
  readonly parseBody: Middleware;
  readonly limit: RateLimitGate;
}

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The page's own colour scheme, so a dark widget sits on a dark page (and `auto` follows the visitor). */
const SCHEMES: Readonly<Record<string, string>> = { dark: 'dark', auto: 'light dark' };

const page = (title: string, body: string, theme = ''): string => `<!doctype html>
<html lang="en"${SCHEMES[theme] ? ` style="color-scheme: ${SCHEMES[theme]}"` : ''}><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
label{display:block;margin:.5rem 0 .25rem}input[type=text]{font:inherit;padding:.3rem}
button[type=submit]{font:inherit;margin-top:1rem;padding:.4rem 1rem}</style></head>
<body>${body}</body></html>`;

/**
 * The widget's looks and language from the demo's query (`?theme=dark&lang=ar&size=compact`), as data attributes;
 * anything else is ignored.
 */
function widgetAttributes(query: Record<string, unknown>): { attributes: string; theme: string } {
  const theme = typeof query.theme === 'string' && ['light', 'dark', 'auto'].includes(query.theme) ? query.theme : '';
  const lang = typeof query.lang === 'string' && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(query.lang) ? query.lang : '';
  const size = query.size === 'compact' ? 'compact' : '';
  const attributes = [theme && ` data-theme="${theme}"`, lang && ` data-lang="${escape(lang)}"`, size && ` data-size="${size}"`].join('');
  return { attributes, theme };
}

/**
 * /demo: a sign-up form protected by the widget, and the backend a real site
 * would write, which calls siteverify with its API key and shows the outcome.
 */
export function demoRoutes({ sitekey, apiKey, parseBody, limit }: DemoRoutesOptions): Router {
  const router = new Router();

  router.get('/demo', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', DEMO_CONTENT_SECURITY_POLICY);
    ctx.type = 'html';
    const { attributes, theme } = widgetAttributes(ctx.query);
    ctx.body = page(
      'Captcha demo',
      `<h1>Sign up</h1>
<form method="post" action="/demo/submit">
  <label for="name">Your name</label>
  <input type="text" id="name" name="name" autocomplete="name">
  <div class="frc-captcha" data-sitekey="${escape(sitekey)}"${attributes}></div>
  <button type="submit">Sign up</button>
</form>
<script src="/widget.js" defer></script>`,
      theme,
    );
  });

  router.post('/demo/submit', limit('solve'), parseBody, async (ctx) => {
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    const response = typeof form['frc-captcha-response'] === 'string' ? form['frc-captcha-response'] : '';
    const reply = await fetch(`${ownUrl(ctx)}/api/v2/captcha/siteverify`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
      body: JSON.stringify({ response, sitekey }),
      signal: AbortSignal.timeout(5000),
    });
    const result = (await reply.json()) as {
      success?: boolean;
      data?: { challenge?: { timestamp?: string; origin?: string }; mode?: string };
      error?: { error_code?: string; detail?: string };
    };
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', DEMO_CONTENT_SECURITY_POLICY);
    ctx.type = 'html';
    ctx.body = result.success
      ? page(
          'Accepted',
          `<h1 id="outcome">Accepted</h1><p>siteverify said <code>success: true</code>: solved at
${escape(result.data?.challenge?.timestamp ?? '')} on ${escape(result.data?.challenge?.origin ?? '')}, by solving
<span id="mode">${escape(result.data?.mode ?? '')}</span>.</p><p><a href="/demo">Again</a></p>`,
        )
      : page(
          'Rejected',
          `<h1 id="outcome">Rejected</h1><p>siteverify said <code>${escape(result.error?.error_code ?? String(reply.status))}</code>:
${escape(result.error?.detail ?? '')}</p><p><a href="/demo">Try again</a></p>`,
        );
  });

  return router;
}

/** The address this request came in on: the demo backend calls siteverify on the same process. */
function ownUrl(ctx: RouterContext): string {
  return `http://${socketHost(ctx.req.socket)}`;
}
