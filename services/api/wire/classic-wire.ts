import type { AppError } from '../../../shared/domain/errors.js';

/**
 * The wire format of the Tornevall captcha API, v2 and v3 (see the reference
 * documents): envelopes, the mismatch error of each version, and dates.
 */
export const CLASSIC_VERSIONS = ['2.0', '3.0'] as const;
export type ClassicVersion = (typeof CLASSIC_VERSIONS)[number];

export type IssueEnvelope = 'captchaResponse' | 'getCaptchaResponse';
export type ClassicVerb = 'getCaptcha' | 'getImage' | 'getAudio' | 'testCaptcha';

export interface WireResponse {
  readonly status: number;
  readonly body: unknown;
}

export function imagePath(version: ClassicVersion, id: string): string {
  return `/${version}/captcha/getImage/hash/${id}`;
}

/** The last second formatted: every v3 issue in the same second reports the same date, formatted once. */
let lastDate = { second: Number.NaN, text: '' };

/** `YYYY-MM-DD HH:MM:SS` in UTC, as v3 reports the start of a captcha's lifetime. */
export function tornevallDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastDate.second) lastDate = { second, text: new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ') };
  return lastDate.text;
}

export function issueResponse(
  version: ClassicVersion,
  envelope: IssueEnvelope,
  captcha: { imageUrl: string; id: string; issuedAt: number },
): WireResponse {
  const fields: Record<string, string> = { imageUrl: captcha.imageUrl, imageHash: captcha.id };
  if (version === '3.0') fields.date = tornevallDate(captcha.issuedAt);
  return { status: 200, body: { response: { [envelope]: fields } } };
}

export function testSuccessResponse(): WireResponse {
  return { status: 200, body: { response: { testCaptchaResponse: '1' } } };
}

const MISMATCH_FAULT = 'Captcha test failed';

/** The reference's "string mismatch" error: v2 answers 2003 with HTTP 400, v3 answers 401 with HTTP 401. */
export function mismatchResponse(version: ClassicVersion): WireResponse {
  if (version === '2.0') {
    return {
      status: 400,
      body: {
        response: { responseString: '' },
        errors: { success: '', faultstring: MISMATCH_FAULT, action: '', code: '2003' },
        api: { endPoint: 'captcha', verb: 'testCaptcha' },
        request: [],
        client: [],
      },
    };
  }
  return { status: 401, body: { response: [], errors: { code: '401', success: '', faultstring: MISMATCH_FAULT } } };
}

/** Any other error in the same envelope as the version's mismatch error, with our stable code. */
export function classicErrorResponse(version: ClassicVersion, verb: ClassicVerb, error: AppError): WireResponse {
  if (version === '2.0') {
    return {
      status: error.status,
      body: {
        response: { responseString: '' },
        errors: { success: '', faultstring: error.detail, action: '', code: error.code },
        api: { endPoint: 'captcha', verb },
        request: [],
        client: [],
      },
    };
  }
  return { status: error.status, body: { response: [], errors: { code: error.code, success: '', faultstring: error.detail } } };
}
