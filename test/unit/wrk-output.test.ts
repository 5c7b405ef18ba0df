import { describe, expect, it } from 'vitest';
import { parseWrkOutput } from '../../bench/load-generator.js';

const output = (extra: string): string => `Running 5s test @ http://127.0.0.1:41234
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms    1.02ms  31.50ms   90.12%
    Req/Sec    24.10k     1.20k   25.50k    80.00%
  Latency Distribution
     50%  812.00us
     75%    2.40ms
     90%    3.10ms
     99%    1.02s
  120500 requests in 5.00s, 31.12MB read
${extra}Requests/sec:  24099.12
Transfer/sec:      6.22MB
`;

describe("reading wrk's report", () => {
  it('takes the rate and converts every latency unit to milliseconds', () => {
    expect(parseWrkOutput(output(''))).toEqual({ rps: 24099.12, p50: 0.812, p99: 1020, errors: 0 });
  });

  it('counts non-2xx answers and socket errors as errors', () => {
    const measured = parseWrkOutput(output('  Socket errors: connect 0, read 2, write 1, timeout 4\n  Non-2xx or 3xx responses: 7\n'));
    expect(measured.errors).toBe(14);
  });

  it('refuses a report without the figures it needs rather than inventing them', () => {
    expect(() => parseWrkOutput('wrk: unable to connect')).toThrow(/no request rate/);
    expect(() => parseWrkOutput(output('').replace(/^\s*99%.*\n/m, ''))).toThrow(/no 99th percentile/);
  });
});
