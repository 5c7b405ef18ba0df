import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface OpsServerOptions {
  readonly port: number;
  readonly host: string;
  readonly registry: Registry;
  readonly isReady: () => Promise<boolean>;
}

/** The worker's small HTTP side: /metrics for Prometheus, /healthz and /readyz for Kubernetes. */
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
          (ready) => json(ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable' }),
          () => json(503, { status: 'unavailable' }),
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
