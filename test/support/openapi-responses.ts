import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, afterEach, expect, inject } from 'vitest';
import { openApiDocument } from '../../services/api/openapi/openapi-document.js';
import { OpenApiContract } from './openapi-contract.js';
import type { ExercisedRecord } from './openapi-exercised.js';
import { isResponseCheckSkipped } from './unchecked-origins.js';

/**
 * A setup file of the integration tiers: every response a test receives from
 * a service on this machine through fetch (the test helpers, the official
 * SDK, the demo backend) is checked against the OpenAPI description. A
 * mismatch, an undescribed status or an undescribed path fails the test that
 * received it. The operations each test file exercised are recorded for the
 * coverage check in openapi-exercised.ts.
 */

const contract = new OpenApiContract(openApiDocument('checked') as never);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const exercised: Record<string, Record<string, number>> = {};
let unlisted = 0;
let problems: string[] = [];
const pending = new Set<Promise<void>>();

const originalFetch = globalThis.fetch;

globalThis.fetch = async function fetchCheckedAgainstDescription(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await originalFetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (!LOOPBACK.has(url.hostname) || isResponseCheckSkipped(url)) return response;
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const copy = response.clone();
  const check = (async () => {
    const body = method === 'HEAD' ? undefined : Buffer.from(await copy.arrayBuffer());
    const verdict = contract.check({ method, url, status: response.status, headers: response.headers, body });
    if (verdict.operationId === undefined) unlisted += 1;
    else {
      const statuses = (exercised[verdict.operationId] ??= {});
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }
    problems.push(...verdict.problems);
  })().catch((error: unknown) => {
    problems.push(`${method} ${url.pathname} → ${response.status}: the body could not be read for checking (${String(error)})`);
  });
  pending.add(check);
  void check.finally(() => pending.delete(check));
  return response;
};

async function takeProblems(): Promise<string[]> {
  await Promise.all(pending);
  const taken = problems;
  problems = [];
  return taken;
}

const failure = (found: string[]): Error =>
  new Error(`${found.length} response(s) disagree with the OpenAPI description (services/api/openapi):\n${found.join('\n')}`);

afterEach(async () => {
  const found = await takeProblems();
  if (found.length > 0) throw failure(found);
});

function writeRecord(): void {
  const directory = inject('openApiRecordDir');
  const testPath = expect.getState().testPath;
  if (!directory || !testPath) return;
  const file = relative(process.cwd(), testPath);
  const record: ExercisedRecord = { file, exercised, unlisted };
  writeFileSync(join(directory, `${file.replace(/[^A-Za-z0-9.-]+/g, '_')}.json`), JSON.stringify(record));
}

// Recorded at once too: a file whose tests are all skipped runs no hooks, yet it ran.
writeRecord();

afterAll(async () => {
  const found = await takeProblems();
  writeRecord();
  if (found.length > 0) throw failure(found);
});
