/**
 * Sends a fixed number of requests, a few at a time, each as soon as one
 * answers: for a server too slow for wrk's timed runs (one under valgrind),
 * where the count of requests, not the duration, must be exact.
 */
import { Agent, request } from 'node:http';
import type { Scenario } from './load-generator.js';

export interface ClosedLoopResult {
  readonly requests: number;
  /** Answers outside 2xx: each one measured a path other than the one named. */
  readonly errors: number;
}

export async function closedLoop(base: string, scenario: Scenario, count: number, concurrency = 8): Promise<ClosedLoopResult> {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  let errors = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const body = scenario.body?.();
      const headers: Record<string, string> = { ...scenario.headers, ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }) };
      const path = scenario.paths?.() ?? scenario.path ?? '/';
      const outgoing = request({ host: url.hostname, port: url.port, path, method: scenario.method ?? 'GET', headers, agent }, (response) => {
        if ((response.statusCode ?? 0) >= 300) errors++;
        response.resume();
        response.on('end', resolve);
        response.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < count) {
          sent++;
          await one();
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { requests: count, errors };
}
