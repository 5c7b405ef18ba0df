import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** Whether a process should get traffic, and if not, why. */
export type Readiness =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: 'draining' | 'stopping' | 'redis_unavailable' | 'redis_refusing_writes' };

export interface OpsServerOptions {
  readonly port: number;
  readonly host: string;
  readonly registry: Registry;
  readonly isReady: () => Promise<Readiness>;
}

export function readinessBody(readiness: Readiness): { status: 'ready' } | { status: 'unavailable'; reason: string } {
  return readiness.ready ? { status: 'ready' } : { status: 'unavailable', reason: readiness.reason };
}

/**
 * A service's operations port, apart from the port the public reaches:
 * /metrics for Prometheus, /healthz and /readyz for Kubernetes. Neither an
 * Ingress nor a load balancer routes to it, so metrics stay private.
 */
export async function startOpsServer({ port, host, registry, isReady }: OpsServerOptions): Promise<Server> {
  const server = createServer((request, response) => {
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      response.end(body);
    };
    const json = (status: number, body: unknown): void => send(status, 'application/json', JSON.stringify(body));
    if (request.method !== 'GET') return json(405, { error: { code: 'method_not_allowed', detail: 'Use GET.' } });
    switch (request.url ?? '') {
      case '/metrics':
        registry.metrics().then(
          (text) => send(200, registry.contentType, text),
          () => json(500, { error: { code: 'metrics_failed', detail: 'Could not collect metrics.' } }),
        );
        return;
      case '/healthz':
        return json(200, { status: 'ok' });
      case '/readyz':
        isReady().then(
          (readiness) => json(readiness.ready ? 200 : 503, readinessBody(readiness)),
          () => json(503, readinessBody({ ready: false, reason: 'redis_unavailable' })),
        );
        return;
      default:
        return json(404, { error: { code: 'not_found', detail: 'No such resource.' } });
    }
  });
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}
