import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWrk } from '../../bench/wrk.js';

/** wrk with our Lua script against a local server that counts what it answered. */
describe('wrk run with the report from its done() hook', () => {
  let server: Server;
  let base: string;
  const answered = { ok: 0, refused: 0 };

  beforeAll(async () => {
    server = createServer((request, response) => {
      // Every third prepared path is refused, so errors must show up in the report.
      const refused = request.url?.startsWith('/refuse') ?? false;
      if (refused) answered.refused++;
      else answered.ok++;
      response.writeHead(refused ? 503 : 200, { 'Content-Type': 'text/plain' }).end(refused ? 'no' : 'ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    base = `http://127.0.0.1:${address.port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('measures the rate, the latencies and the error answers that the server saw', async () => {
    let next = 0;
    const measured = await runWrk(base, { name: 'mixed', paths: () => (++next % 3 === 0 ? `/refuse/${next}` : `/ok/${next}`) }, { duration: 2, connections: 4, distinctRequests: 300 });
    const total = answered.ok + answered.refused;
    expect(total).toBeGreaterThan(100);
    // wrk stops counting at its deadline while a few answers are still on their way.
    expect(measured.rps * 2).toBeGreaterThan(total * 0.85);
    expect(measured.rps * 2).toBeLessThanOrEqual(total * 1.05);
    expect(measured.errors).toBeGreaterThan(answered.refused * 0.85);
    expect(measured.errors).toBeLessThanOrEqual(answered.refused);
    expect(measured.p50).toBeGreaterThan(0);
    expect(measured.p99).toBeGreaterThanOrEqual(measured.p50);
  });
});
