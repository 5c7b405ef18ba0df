import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openApiDocument } from '../../services/api/openapi/openapi-document.js';
import { OpenApiContract } from './openapi-contract.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each test file of this run records the described operations it exercised (openapi-responses.ts). */
    openApiRecordDir?: string;
  }
}

/** What one test file exercised: operationId → status → responses checked; `unlisted` counts answers to unlisted paths or methods. */
export interface ExercisedRecord {
  readonly file: string;
  readonly exercised: Record<string, Record<string, number>>;
  readonly unlisted: number;
}

/**
 * Described operations no integration test reaches, and why. Everything else
 * must be exercised by at least one test once the whole tier has run.
 */
export const NOT_EXERCISED: Readonly<Record<string, string>> = {};

const OUTPUT = 'test-output';

/**
 * A global setup of the integration tiers: gives the test files a fresh folder
 * to record what they exercised in, and after the run writes the summary to
 * test-output/openapi-exercised-<project>.json. When every test file of the
 * project ran, unfiltered, an operation of the description that no test
 * exercised (and that NOT_EXERCISED does not excuse) fails the run.
 */
export default function setup(project: TestProject): () => Promise<void> {
  mkdirSync(OUTPUT, { recursive: true });
  const directory = mkdtempSync(join(OUTPUT, `openapi-exercised-${project.name}-`));
  project.provide('openApiRecordDir', resolve(directory));
  return async () => {
    const records = readdirSync(directory).map((name) => JSON.parse(readFileSync(join(directory, name), 'utf8')) as ExercisedRecord);
    rmSync(directory, { recursive: true, force: true });
    const operations = new OpenApiContract(openApiDocument('checked') as never).operationIds();
    const summary = summarize(operations, records);
    writeFileSync(join(OUTPUT, `openapi-exercised-${project.name}.json`), `${JSON.stringify(summary, null, 2)}\n`);

    const { testFiles } = await project.globTestFiles();
    const verdict = exercisedVerdict({
      operations,
      records,
      testFiles: testFiles.map((file) => relative(process.cwd(), file)),
      filtered: project.vitest.config.testNamePattern !== undefined,
    });
    if (verdict.missing === undefined) {
      console.info(`OpenAPI: ${records.length} of ${testFiles.length} test files ran; every operation is required only of a full, unfiltered run.`);
    } else if (verdict.missing.length > 0) {
      // Vitest reports an error thrown here but still exits 0: fail the run explicitly.
      console.error(`OpenAPI: no ${project.name} test exercised these operations of the description: ${verdict.missing.join(', ')}`);
      process.exitCode = 1;
    }
  };
}

/**
 * The described operations no test exercised (less those NOT_EXERCISED
 * excuses), or undefined when the run cannot tell: some test file of the
 * project did not run, or a name filter skipped tests.
 */
export function exercisedVerdict(run: {
  operations: readonly string[];
  records: readonly ExercisedRecord[];
  testFiles: readonly string[];
  filtered: boolean;
}): { missing: string[] | undefined } {
  const ran = new Set(run.records.map((record) => record.file));
  if (run.filtered || run.testFiles.some((file) => !ran.has(file))) return { missing: undefined };
  return { missing: summarize(run.operations, run.records).notExercised.filter((operationId) => !(operationId in NOT_EXERCISED)) };
}

export function summarize(operations: readonly string[], records: readonly ExercisedRecord[]) {
  const byOperation: Record<string, { statuses: Record<string, number>; files: string[] }> = {};
  for (const record of records) {
    for (const [operationId, statuses] of Object.entries(record.exercised)) {
      const entry = (byOperation[operationId] ??= { statuses: {}, files: [] });
      entry.files.push(record.file);
      for (const [status, count] of Object.entries(statuses)) entry.statuses[status] = (entry.statuses[status] ?? 0) + count;
    }
  }
  return {
    operations: Object.fromEntries(operations.map((id) => [id, byOperation[id] ?? null])),
    notExercised: operations.filter((id) => !byOperation[id]),
    unlistedAnswers: records.reduce((sum, record) => sum + record.unlisted, 0),
  };
}
