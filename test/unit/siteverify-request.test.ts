import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/domain/errors.js';
import { parseSiteverifyRequest } from '../../services/api/wire/siteverify-request.js';

const codeOf = (body: unknown): string => {
  try {
    parseSiteverifyRequest(body);
  } catch (error) {
    if (error instanceof AppError) return `${error.status} ${error.code}`;
    throw error;
  }
  return 'parsed';
};

describe('parseSiteverifyRequest', () => {
  it('types the parameters for the domain, empty and null values as absent', () => {
    expect(parseSiteverifyRequest({ response: 'r', sitekey: 's', idempotency_key: 'k', extra: 1 })).toEqual({
      response: 'r',
      sitekey: 's',
      idempotencyKey: 'k',
    });
    expect(parseSiteverifyRequest({ response: 'r', sitekey: '', idempotency_key: null })).toEqual({
      response: 'r',
      sitekey: undefined,
      idempotencyKey: undefined,
    });
  });

  it('tells a missing response from a malformed request', () => {
    expect(codeOf({})).toBe('400 response_missing');
    expect(codeOf({ response: '' })).toBe('400 response_missing');
    expect(codeOf({ response: null })).toBe('400 response_missing');
    expect(codeOf({ response: ['a'] })).toBe('400 bad_request');
    expect(codeOf({ response: 'x', sitekey: 5 })).toBe('400 bad_request');
    expect(codeOf({ response: 'x', idempotency_key: 'k'.repeat(129) })).toBe('400 bad_request');
    expect(codeOf({ response: 'x', idempotency_key: 'k'.repeat(128) })).toBe('parsed');
    expect(codeOf([])).toBe('400 bad_request');
    expect(codeOf('response=x')).toBe('400 bad_request');
  });

  it('names the first thing wrong', () => {
    const error = (() => {
      try {
        parseSiteverifyRequest({ response: 7, sitekey: 8 });
      } catch (thrown) {
        return thrown as AppError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.detail).toBe('The response parameter must be a string.');
  });
});
