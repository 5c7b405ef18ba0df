import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Router } from '@koa/router';
import Koa from 'koa';
import type { Registry } from 'prom-client';
import { AppError } from '../domain/errors.js';
import { healthRoutes, type Readiness } from './health-routes.js';

export interface OpsServerOptions {
  readonly port: number;
  readonly host: string;
  readonly registry: Registry;
  readonly isReady: () => Promise<Readiness>;
  /** More routes for this port only, never the public one (the API's admin API); they render their own errors. */
  readonly routes?: Router;
}

/**
 * A service's operations port, apart from the port the public reaches:
 * /metrics for Prometheus, /healthz and /readyz for Kubernetes. Neither an
 * Ingress nor a load balancer routes to it, so metrics stay private.
 */
export async function startOpsServer({ port, host, registry, isReady, routes }: OpsServerOptions): Promise<Server> {
  const app = new Koa();
  app.silent = true; // every error is answered below; none carries request data worth logging
  const router = healthRoutes({ isReady });
  router.get('/metrics', async (ctx) => {
    ctx.body = await registry.metrics().catch(() => {
      throw new AppError('internal_error', 'Could not collect metrics.');
    });
    ctx.type = registry.contentType;
    ctx.set('Cache-Control', 'no-store');
  });
  const methodNotAllowed = (): AppError => new AppError('method_not_allowed');

  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found');
    } catch (thrown) {
      const error = thrown instanceof AppError ? thrown : new AppError('internal_error');
      ctx.status = error.status;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: { code: error.code, detail: error.detail } };
    }
  });
  for (const each of routes ? [router, routes] : [router]) {
    app.use(each.routes());
    app.use(each.allowedMethods({ throw: true, methodNotAllowed, notImplemented: methodNotAllowed }));
  }

  const handle = app.callback();
  const server = createServer((request, response) => void handle(request, response));
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}
