import { Router } from '@koa/router';

/** Whether a process should get traffic, and if not, why. */
export type Readiness =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: 'draining' | 'stopping' | 'redis_unavailable' | 'redis_refusing_writes' };

export interface HealthRoutesOptions {
  /** Says whether the service can do its work: not draining, and Redis answers and accepts writes. */
  readonly isReady: () => Promise<Readiness>;
}

export function readinessBody(readiness: Readiness): { status: 'ready' } | { status: 'unavailable'; reason: string } {
  return readiness.ready ? { status: 'ready' } : { status: 'unavailable', reason: readiness.reason };
}

/**
 * /healthz says the process runs; /readyz says it should get traffic. The same
 * routes answer on every service's operations port and on the API's public
 * port, because load balancers check the port they route to.
 */
export function healthRoutes({ isReady }: HealthRoutesOptions): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const readiness: Readiness = await isReady().catch(() => ({ ready: false, reason: 'redis_unavailable' }) as const);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = readinessBody(readiness);
  });
  return router;
}
