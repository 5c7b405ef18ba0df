import { describe, expect, it } from 'vitest';
import { exercisedVerdict, type ExercisedRecord } from '../support/openapi-exercised.js';

const record = (file: string, exercised: Record<string, Record<string, number>>): ExercisedRecord => ({ file, exercised, unlisted: 0 });

describe('the check that integration tests exercise every described operation', () => {
  const operations = ['health', 'siteverify', 'widgetChallenge'];
  const testFiles = ['test/integration/a.test.ts', 'test/integration/b.test.ts'];

  it('names the operations no test file exercised, once every file ran', () => {
    const records = [record('test/integration/a.test.ts', { health: { 200: 2 } }), record('test/integration/b.test.ts', { siteverify: { 401: 1 } })];
    expect(exercisedVerdict({ operations, records, testFiles, filtered: false })).toEqual({ missing: ['widgetChallenge'] });
  });

  it('passes when each operation was exercised by some file, whatever the status', () => {
    const records = [
      record('test/integration/a.test.ts', { health: { 200: 1 }, widgetChallenge: { 403: 1 } }),
      record('test/integration/b.test.ts', { siteverify: { 200: 1 } }),
    ];
    expect(exercisedVerdict({ operations, records, testFiles, filtered: false })).toEqual({ missing: [] });
  });

  it('does not judge a partial run: a file that did not run, or a name filter', () => {
    const records = [record('test/integration/a.test.ts', { health: { 200: 1 } })];
    expect(exercisedVerdict({ operations, records, testFiles, filtered: false })).toEqual({ missing: undefined });
    const all = [...records, record('test/integration/b.test.ts', {})];
    expect(exercisedVerdict({ operations, records: all, testFiles, filtered: true })).toEqual({ missing: undefined });
  });
});
