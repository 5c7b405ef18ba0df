/**
 * Runs wrk for one scenario. wrk cannot call back into Node, so the requests
 * are prepared ahead in a file its Lua script reads; its `done()` hook prints
 * the figures as one line of JSON, which is all that is read of its output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { LoadOptions, Measured, Scenario } from './load-generator.js';

/** The key the report line opens with, so no other line of wrk's output is taken for it. */
const REPORT_KEY = 'wrkReport';

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

export function wrkScript(base: string, scenario: Scenario, requestsFile: string): string {
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
-- Durations and latencies in microseconds; errors.status counts answers of 400 and above.
done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"${REPORT_KEY}":{"durationUs":%d,"requests":%d,"p50Us":%d,"p99Us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}}\\n',
    summary.duration, summary.requests, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;
}

const count = z.number().int().nonnegative();
const reportSchema = z.object({
  [REPORT_KEY]: z.object({
    durationUs: count.positive(),
    requests: count,
    p50Us: count,
    p99Us: count,
    errors: z.object({ connect: count, read: count, write: count, status: count, timeout: count }),
  }),
});

/** The figures of the report line the done() hook printed: requests per second, p50 and p99 in ms, and every error. */
export function parseWrkReport(out: string): Measured {
  const line = out.split('\n').findLast((candidate) => candidate.startsWith(`{"${REPORT_KEY}":`));
  if (!line) throw new Error(`wrk printed no report line:\n${out}`);
  const parsed = reportSchema.safeParse(JSON.parse(line));
  if (!parsed.success) throw new Error(`wrk's report line is malformed (${parsed.error.message}):\n${line}`);
  const report = parsed.data[REPORT_KEY];
  const { connect, read, write, status, timeout } = report.errors;
  return {
    rps: report.requests / (report.durationUs / 1e6),
    p50: report.p50Us / 1000,
    p99: report.p99Us / 1000,
    errors: connect + read + write + status + timeout,
  };
}

export async function runWrk(base: string, scenario: Scenario, options: LoadOptions): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  try {
    const requestsFile = join(dir, 'requests.tsv');
    const scriptFile = join(dir, 'scenario.lua');
    writeFileSync(requestsFile, requestLines(scenario, options.distinctRequests ?? 100_000));
    writeFileSync(scriptFile, wrkScript(base, scenario, requestsFile));
    // One thread: one core drives a single-threaded API process with room to spare, and leaves the other to it and Redis.
    const args = ['-t1', `-c${String(options.connections)}`, `-d${String(options.duration)}s`, '-s', scriptFile, base];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`wrk exited with ${String(code)}:\n${out}`);
    return parseWrkReport(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
