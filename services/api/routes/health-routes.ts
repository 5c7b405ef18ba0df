import { Router } from '@koa/router';
import { readinessBody, type Readiness } from '../../../shared/process/ops-server.js';

export interface HealthRoutesOptions {
  /** Says whether the service can do its work: not draining, and Redis answers and accepts writes. */
  readonly isReady: () => Promise<Readiness>;
}

/**
 * /healthz says the process runs; /readyz says it should get traffic. Both are
 * also on the operations port, with /metrics; they are here as well because
 * load balancers check the port they route to.
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
