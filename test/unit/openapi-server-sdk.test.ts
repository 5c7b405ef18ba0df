import { FriendlyCaptchaClient } from '@friendlycaptcha/server-sdk';
import { ERROR_CODE_TO_STATUS } from '@friendlycaptcha/server-sdk/dist/api/errors.js';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../services/api/openapi/openapi-document.js';
import { errorCodeEnums } from '../support/error-code-enums.js';
import { OpenApiContract, pointer } from '../support/openapi-contract.js';

/**
 * The official @friendlycaptcha/server-sdk and the OpenAPI description agree
 * on siteverify: what the SDK sends is a request the description accepts, and
 * every answer the description allows is read by the SDK as the description
 * means it. The SDK talks to a fetch of our own here, so each answer is
 * exactly the one under test.
 */

const document = openApiDocument('0.0.0-test') as {
  paths: Record<string, { post: { requestBody: unknown; responses: Record<string, { content: Record<string, { examples?: Record<string, { value: unknown }> }> }> } }>;
  components: { securitySchemes: { apiKey: { name: string } } };
};
const contract = new OpenApiContract(document);
const SITEVERIFY = '/api/v2/captcha/siteverify';
const operation = document.paths[SITEVERIFY]?.post;
const responseSchema = (status: string) => contract.validator(pointer('paths', SITEVERIFY, 'post', 'responses', status, 'content', 'application/json', 'schema'));

interface Sent {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string;
}

/** A client whose every request is recorded and answered with `status` and `body`. */
function clientAnswering(status: number, body: unknown, options: { strict?: boolean } = {}): { client: FriendlyCaptchaClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : input.toString();
    sent.push({ url, method: init?.method ?? 'GET', headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? init.body : '' });
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } }));
  };
  const client = new FriendlyCaptchaClient({ apiKey: 'cck_test', sitekey: 'FCABCDEFGHIJKLMN', apiEndpoint: 'http://captcha.test', fetch, ...options });
  return { client, sent };
}

/** Every (status, error_code) the description allows siteverify to answer with a failure body. */
function describedFailures(): { status: number; code: string }[] {
  const failures: { status: number; code: string }[] = [];
  for (const status of Object.keys(operation?.responses ?? {})) {
    const schema = (responseSchema(status).schema ?? {}) as Record<string, unknown>;
    for (const code of errorCodeEnums(schema, ['error_code'])) failures.push({ status: Number(status), code });
  }
  return failures;
}

describe('siteverify: the official server SDK and the OpenAPI description', () => {
  it('sends a request the description accepts: a JSON body of its schema, the API key in the described header', async () => {
    const { client, sent } = clientAnswering(200, { success: true, data: { challenge: { timestamp: '2026-11-21T19:47:05Z', origin: 'https://shop.example' }, mode: 'image' } });
    await client.verifyCaptchaResponse('v1.a-token');
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(new URL(request?.url ?? '').pathname).toBe(SITEVERIFY);
    expect(request?.method).toBe('POST');
    const contentType = request?.headers.get('content-type') ?? '';
    expect(Object.keys((operation?.requestBody as { content: Record<string, unknown> }).content)).toContain(contentType);
    const validate = contract.validator(pointer('paths', SITEVERIFY, 'post', 'requestBody', 'content', contentType, 'schema'));
    const body: unknown = JSON.parse(request?.body ?? '');
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(body).toEqual({ response: 'v1.a-token', sitekey: 'FCABCDEFGHIJKLMN' });
    expect(request?.headers.get(document.components.securitySchemes.apiKey.name)).toBe('cck_test');
  });

  it('reads every described 200 answer as the description means it: accept exactly on success, with the verdict\'s code', async () => {
    const examples = Object.entries(operation?.responses['200']?.content['application/json']?.examples ?? {});
    expect(examples.map(([name]) => name).sort()).toEqual(['replayed', 'response_duplicate', 'response_invalid', 'response_timeout', 'success']);
    for (const [name, { value }] of examples) {
      const validate = responseSchema('200');
      expect(validate(value), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      const result = await clientAnswering(200, value).client.verifyCaptchaResponse('v1.a-token');
      const body = value as { success: boolean; error?: { error_code: string } };
      expect(result.wasAbleToVerify(), name).toBe(true);
      expect(result.shouldAccept(), name).toBe(body.success);
      expect(result.getResponse(), name).toEqual(value);
      expect(result.getResponseError()?.error_code ?? null, name).toBe(body.error?.error_code ?? null);
    }
  });

  it('reads every described failure as unable to verify, naming its code; a client error is the SDK\'s misconfiguration case', async () => {
    const failures = describedFailures().filter(({ status }) => status !== 200);
    expect(failures.length).toBeGreaterThan(0);
    for (const { status, code } of failures) {
      const body = { success: false, error: { error_code: code, detail: 'described' } };
      const validate = responseSchema(String(status));
      expect(validate(body), `${status} ${code}`).toBe(true);
      const result = await clientAnswering(status, body).client.verifyCaptchaResponse('v1.a-token');
      expect(result.wasAbleToVerify(), `${status} ${code}`).toBe(false);
      expect(result.status).toBe(status);
      expect(result.getResponseError()?.error_code, `${status} ${code}`).toBe(code);
      if (status < 500) {
        // Not verified because of the site's own setup: the SDK accepts (fails open) unless strict, as the reference advises.
        expect(result.isClientError(), `${status} ${code}`).toBe(true);
        expect(result.shouldAccept(), `${status} ${code}`).toBe(true);
        const strict = await clientAnswering(status, body, { strict: true }).client.verifyCaptchaResponse('v1.a-token');
        expect(strict.shouldAccept(), `${status} ${code} (strict)`).toBe(false);
      } else {
        // docs/api-token.md warns of this: SDK 0.3.0 throws here rather than deciding, so check wasAbleToVerify() first.
        expect(() => result.shouldAccept(), `${status} ${code}`).toThrow(/Implementation error/);
      }
    }
  });

  it('names the reference codes with the SDK\'s statuses; the extra codes are the ones a client should retry on', () => {
    const sdkStatus = ERROR_CODE_TO_STATUS as Readonly<Record<string, number>>;
    const failures = describedFailures();
    const unknownToSdk = [...new Set(failures.filter(({ code }) => !(code in sdkStatus)).map(({ code }) => code))].sort();
    expect(unknownToSdk).toEqual(['internal_error', 'rate_limited', 'store_unavailable']);
    // bad_request keeps the HTTP status of what went wrong (413 too large, 415 unreadable charset); the SDK treats every 4xx alike.
    const otherStatus = failures.filter(({ status, code }) => code in sdkStatus && sdkStatus[code] !== status).map(({ status, code }) => `${status} ${code}`);
    expect(otherStatus.sort()).toEqual(['413 bad_request', '415 bad_request']);
  });

  it('refuses answers the SDK would misread', () => {
    const validate = responseSchema('200');
    const success = { success: true, data: { challenge: { timestamp: '2026-11-21T19:47:05Z', origin: 'https://shop.example' }, mode: 'image' } };
    const misread: Record<string, unknown> = {
      'success as a string (the SDK accepts only true)': { ...success, success: 'true' },
      'no success field': { data: success.data },
      'a failure without its error': { success: false },
      'an error code that is not a string': { success: false, error: { error_code: 401, detail: 'x' } },
      'a success without the challenge the SDK types promise': { success: true, data: { mode: 'image' } },
      'a verdict the reference does not answer with 200': { success: false, error: { error_code: 'auth_invalid', detail: 'x' } },
    };
    for (const [name, body] of Object.entries(misread)) expect(validate(body), name).toBe(false);
  });
});
