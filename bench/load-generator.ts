/**
 * Drives one scenario against the API. Full-speed runs use wrk when it is
 * installed: it is written in C and leaves far more of a small machine to the
 * API and Redis than a Node load generator does, so the ratios to the ceiling
 * measure the service rather than the client. Fixed-rate runs (and machines
 * without wrk) use autocannon, which can hold a given request rate.
 */
import { spawnSync } from 'node:child_process';
import autocannon from 'autocannon';
import { runWrk } from './wrk.js';

export interface Scenario {
  readonly name: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  /** The same path for every request, or … */
  readonly path?: string;
  /** … the next path, when requests must differ (each consumes a captcha or token). */
  readonly paths?: () => string;
  readonly body?: () => string;
}

export interface Measured {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

export interface LoadOptions {
  readonly duration: number;
  readonly connections: number;
  /** Requests per second over all connections; full speed when absent. */
  readonly overallRate?: number;
  /** Distinct requests wrk prepares ahead of the run (it cannot call back into Node). */
  readonly distinctRequests?: number;
}

export const wrkAvailable = (): boolean => process.env.BENCH_LOAD_GENERATOR !== 'autocannon' && spawnSync('wrk', ['--version']).error === undefined;

export function loadGeneratorName(): string {
  return wrkAvailable() ? 'wrk (full speed), autocannon (fixed rate)' : 'autocannon';
}

export async function measure(base: string, scenario: Scenario, options: LoadOptions): Promise<Measured> {
  return options.overallRate === undefined && wrkAvailable() ? runWrk(base, scenario, options) : runAutocannon(base, scenario, options);
}

async function runAutocannon(base: string, scenario: Scenario, options: LoadOptions): Promise<Measured> {
  const result = await autocannon({
    url: base,
    connections: options.connections,
    duration: options.duration,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: scenario.method ?? 'GET',
        ...(scenario.headers ? { headers: scenario.headers } : {}),
        setupRequest: (request) => ({
          ...request,
          path: scenario.paths ? scenario.paths() : (scenario.path ?? '/'),
          ...(scenario.body ? { body: scenario.body() } : {}),
        }),
      },
    ],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

/** One request of a flow: its path may use what earlier requests of the same round answered. */
export interface FlowStep {
  /** The path, or undefined to give up this round and start the flow again. */
  readonly path: (context: Record<string, string>) => string | undefined;
  /** Reads an answer into the round's context (one per connection, emptied at each new round). */
  readonly onResponse?: (status: number, body: string, context: Record<string, string>, headers: Record<string, string>) => void;
}

/**
 * Drives rounds of dependent GET requests (say issue, then image, then check)
 * on every connection, with the connections spread over several API
 * processes. Always autocannon: wrk cannot carry an answer into the next request.
 */
export async function measureFlow(bases: readonly string[], steps: readonly FlowStep[], options: LoadOptions): Promise<Measured> {
  const result = await autocannon({
    // autocannon spreads the connections round-robin over several URLs (its types allow only one).
    url: [...bases] as unknown as string,
    connections: options.connections,
    duration: options.duration,
    requests: steps.map((step) => ({
      method: 'GET' as const,
      setupRequest: (request: autocannon.Request, context: object) => {
        const path = step.path(context as Record<string, string>);
        // A falsy request makes autocannon start the flow again from its first step.
        return (path === undefined ? undefined : { ...request, path }) as autocannon.Request;
      },
      ...(step.onResponse
        ? {
            onResponse: (status: number, body: string, context: object, headers: autocannon.Request['headers']) =>
              step.onResponse?.(status, body, context as Record<string, string>, lowerCaseKeys(headers ?? {})),
          }
        : {}),
    })),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

const lowerCaseKeys = (headers: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
