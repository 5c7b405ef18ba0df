import { Router } from '@koa/router';
import type { Registry } from 'prom-client';

export interface HealthRoutesOptions {
  /** Resolves when the service can do its work (Redis answers and it is not draining). */
  readonly isReady: () => Promise<boolean>;
  readonly registry: Registry;
}

/** /healthz says the process runs; /readyz says it should get traffic; /metrics is for Prometheus. */
export function healthRoutes({ isReady, registry }: HealthRoutesOptions): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const ready = await isReady().catch(() => false);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable' };
  });
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}
