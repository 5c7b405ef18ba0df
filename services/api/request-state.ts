import type { Site } from '../../shared/domain/sites/site.js';
import type { ErrorRenderer } from './error-handler.js';

/** What the API's middleware leaves on `ctx.state` for the handlers after it. */
declare module 'koa' {
  interface DefaultState {
    /** The API's own error envelope (classic v2/v3, siteverify); without one, errors use the generic `{error: {code, detail}}`. */
    renderError?: ErrorRenderer;
    /** The widget site named in the path, when it exists (read before CORS and rate limits). */
    site?: Site;
    /** Set once the site exists and the page's origin is one of its own. */
    page?: { readonly site: Site; readonly origin: string };
    /** Who an admin API request acts as ("token:<id>"), once its bearer token is checked. */
    adminActor?: string;
  }
}
