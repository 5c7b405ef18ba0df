import { Router } from '@koa/router';
import type { Registry } from 'prom-client';

/** Whether a process should get traffic, and if not, why. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: 'draining' | 'redis_unavailable' | 'redis_refusing_writes' };

export interface HealthRoutesOptions {
  /** Says whether the service can do its work: not draining, and Redis answers and accepts writes. */
  readonly isReady: () => Promise<Readiness>;
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
    const readiness: Readiness = await isReady().catch(() => ({ ready: false, reason: 'redis_unavailable' }) as const);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = readiness.ready ? { status: 'ready' } : { status: 'unavailable', reason: readiness.reason };
  });
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}
