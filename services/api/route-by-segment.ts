import type { Router } from '@koa/router';
import type { Middleware } from 'koa';

/** The first segment of a path, lower-cased as the router matches: "/3.0/captcha/x" → "3.0", "/healthz/" → "healthz". */
export function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return (end === -1 ? path.slice(1) : path.slice(1, end)).toLowerCase();
}

type AllowedMethodsOptions = Parameters<Router['allowedMethods']>[0];

/**
 * Hands each request to the router of its path's first segment, with that
 * router's 405 answers. @koa/router tests a request against every route it
 * holds, one regular expression each, so one router for the whole API cost
 * every request ~40 tests; by segment it is a Map lookup and a handful.
 * A segment no router claims falls through (to the API's 404).
 */
export function routeBySegment(routers: Readonly<Record<string, Router>>, allowedMethods: AllowedMethodsOptions): Middleware {
  const handlers = new Map<string, Middleware>();
  const built = new Map<Router, Middleware>();
  for (const [segment, router] of Object.entries(routers)) {
    if (segment !== firstSegment(`/${segment}`)) throw new Error(`"${segment}" is not a lower-case first path segment`);
    let handler = built.get(router);
    if (handler === undefined) {
      // Koa's app.use takes these as plain middleware; typed so, they compose the same way here.
      const routes = router.routes() as Middleware;
      const answerOtherMethods = router.allowedMethods(allowedMethods) as Middleware;
      // As app.use(routes) then app.use(allowedMethods): the second runs where no route answered.
      handler = (ctx, next) => routes(ctx, () => answerOtherMethods(ctx, next) as Promise<void>) as Promise<void>;
      built.set(router, handler);
    }
    handlers.set(segment, handler);
  }
  return (ctx, next) => {
    const handler = handlers.get(firstSegment(ctx.path));
    return (handler === undefined ? next() : handler(ctx, next)) as Promise<void>;
  };
}
