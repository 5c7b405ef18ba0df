/**
 * Drives one scenario against the API. Full-speed runs use wrk when it is
 * installed: it is written in C and leaves far more of a small machine to the
 * API and Redis than a Node load generator does, so the ratios to the ceiling
 * measure the service rather than the client. Fixed-rate runs (and machines
 * without wrk) use autocannon, which can hold a given request rate.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

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

/** One request per line: path, a tab, then the body (if any). Paths and bodies never hold tabs or newlines. */
function requestLines(scenario: Scenario, count: number): string {
  const varies = scenario.paths !== undefined || scenario.body !== undefined;
  const lines: string[] = [];
  for (let i = 0; i < (varies ? count : 1); i++) {
    const path = scenario.paths ? scenario.paths() : (scenario.path ?? '/');
    lines.push(`${path}\t${scenario.body ? scenario.body() : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

const luaString = (value: string): string => JSON.stringify(value);

function wrkScript(base: string, scenario: Scenario, requestsFile: string): string {
  // wrk only knows the host once the run starts, after this script has prepared its requests.
  const allHeaders = { Host: new URL(base).host, ...scenario.headers };
  const headers = Object.entries(allHeaders).map(([name, value]) => `[${luaString(name)}] = ${luaString(value)}`);
  return `
local requests = {}
for line in io.lines(${luaString(requestsFile)}) do
  local tab = line:find("\\t", 1, true)
  local body = line:sub(tab + 1)
  requests[#requests + 1] = wrk.format(${luaString(scenario.method ?? 'GET')}, line:sub(1, tab - 1), { ${headers.join(', ')} }, body ~= "" and body or nil)
end
local next_request = 0
request = function()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
`;
}

/** wrk prints latencies as 812.00us, 1.23ms or 1.02s. */
function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

export function parseWrkOutput(out: string): Measured {
  const percentile = (p: string): number => {
    const match = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    if (!match) throw new Error(`wrk printed no ${p}th percentile:\n${out}`);
    return toMs(match[1] ?? '', match[2] ?? '');
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk printed no request rate:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { rps: Number(rps[1]), p50: percentile('50'), p99: percentile('99'), errors: non2xx + socketErrors };
}

async function runWrk(base: string, scenario: Scenario, options: LoadOptions): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  try {
    const requestsFile = join(dir, 'requests.tsv');
    const scriptFile = join(dir, 'scenario.lua');
    writeFileSync(requestsFile, requestLines(scenario, options.distinctRequests ?? 100_000));
    writeFileSync(scriptFile, wrkScript(base, scenario, requestsFile));
    // One thread: one core drives a single-threaded API process with room to spare, and leaves the other to it and Redis.
    const args = ['-t1', `-c${String(options.connections)}`, `-d${String(options.duration)}s`, '--latency', '-s', scriptFile, base];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`wrk exited with ${String(code)}:\n${out}`);
    return parseWrkOutput(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
