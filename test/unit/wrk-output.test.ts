import { describe, expect, it } from 'vitest';
import { parseWrkReport } from '../../bench/wrk.js';

/** wrk's own summary, then the line our done() hook prints. */
const output = (report: string): string => `Running 5s test @ http://127.0.0.1:41234
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms    1.02ms  31.50ms   90.12%
    Req/Sec    24.10k     1.20k   25.50k    80.00%
  120500 requests in 5.00s, 31.12MB read
Requests/sec:  24099.12
Transfer/sec:      6.22MB
${report}
`;

const report = (fields: Partial<{ durationUs: number; requests: number; p50Us: number; p99Us: number }>, errors = { connect: 0, read: 0, write: 0, status: 0, timeout: 0 }): string =>
  JSON.stringify({ wrkReport: { durationUs: 5_000_000, requests: 120_500, p50Us: 812, p99Us: 1_020_000, ...fields, errors } });

describe("reading wrk's report line", () => {
  it('takes the rate from requests over duration and latencies in milliseconds', () => {
    expect(parseWrkReport(output(report({})))).toEqual({ rps: 24_100, p50: 0.812, p99: 1020, errors: 0 });
  });

  it('counts error answers and every socket error as errors', () => {
    const measured = parseWrkReport(output(report({}, { connect: 0, read: 2, write: 1, status: 7, timeout: 4 })));
    expect(measured.errors).toBe(14);
  });

  it("ignores wrk's human summary: the figures come from the report line alone", () => {
    expect(parseWrkReport(output(report({ requests: 50_000, durationUs: 2_000_000 }))).rps).toBe(25_000);
  });

  it('refuses output without a report line, or with a malformed one, rather than inventing figures', () => {
    expect(() => parseWrkReport('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/no report line/);
    expect(() => parseWrkReport(output(report({ durationUs: 0 })))).toThrow(/malformed/);
    expect(() => parseWrkReport(output(JSON.stringify({ wrkReport: { durationUs: 1, requests: 1 } })))).toThrow(/malformed/);
    expect(() => parseWrkReport(output(report({ p99Us: -1 })))).toThrow(/malformed/);
  });
});
