import { DIFFICULTIES } from '../../../shared/domain/captcha/difficulty.js';
import { ERROR_CODES } from '../../../shared/domain/errors.js';
import { MAX_POW_WORK, MIN_POW_WORK } from '../../../shared/domain/pow/pow-policy.js';
import type { Readiness } from '../../../shared/runtime/health-routes.js';
import { WIDGET_MODES } from '../../../shared/domain/sites/site.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../../shared/domain/token/siteverify.js';
import { MAX_PUZZLE_LENGTH } from '../wire/puzzle-wire.js';
import { SITEVERIFY_ERROR_CODES } from '../wire/siteverify-errors.js';

/** A JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it). */
export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** An object schema that documents every property it may carry: a new field must be described before it ships. */
export const closedObject = (properties: Record<string, Schema>, required: readonly string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  required: [...required],
  properties,
  additionalProperties: false,
});

const CATALOGUE_CODES = Object.keys(ERROR_CODES);

/** Every reason a pod gives for not being ready: the compiler holds this list to the Readiness type, both ways. */
const READINESS_REASONS: Record<Extract<Readiness, { ready: false }>['reason'], true> = {
  draining: true,
  stopping: true,
  redis_unavailable: true,
  redis_refusing_writes: true,
};

/** The two verdicts of the classic API's "string mismatch" error, from the Tornevall reference: v2's and v3's. */
export const CLASSIC_MISMATCH_CODES = { '2.0': '2003', '3.0': '401' } as const;

/**
 * siteverify keeps its reference's codes and the ones a client should retry on
 * (429, 5xx); any other client error is the reference's catch-all, bad_request.
 */
export const SITEVERIFY_WIRE_CODES = [...SITEVERIFY_ERROR_CODES, 'rate_limited', 'store_unavailable', 'internal_error'] as const;

const captchaHash: Schema = {
  type: 'string',
  pattern: '^[0-9a-f]{40}$',
  description: 'A captcha id: 40 lower-case hexadecimal characters.',
  examples: ['5f0c2d8e1a9b4c7d3e6f8a0b2c4d6e8f1a3b5c7d'],
};

const pngDataUrl: Schema = {
  type: 'string',
  pattern: '^data:image/png;base64,[A-Za-z0-9+/]+={0,2}$',
  description: 'The captcha image as a PNG data URL.',
};

const rfc3339: Schema = { type: 'string', format: 'date-time' };

/** The ALTCHA v2 challenge the widget solves, signed; sent back unchanged inside a proof. */
const puzzle: Schema = closedObject({
  parameters: closedObject(
    {
      algorithm: { type: 'string', const: 'SHA-256' },
      cost: { type: 'integer', minimum: 0 },
      data: closedObject({
        sitekey: { type: 'string' },
        origin: { type: 'string' },
        image: { type: 'string', description: "The step-up image's captcha id, or empty when the puzzle comes alone." },
        work: { type: 'integer', minimum: MIN_POW_WORK, maximum: MAX_POW_WORK },
      }),
      expiresAt: { type: 'integer', description: 'Seconds since the Unix epoch.' },
      keyLength: { type: 'integer', minimum: 1 },
      keyPrefix: { type: 'string', pattern: '^[0-9a-f]+$' },
      keySignature: { type: 'string', pattern: '^[0-9a-f]+$' },
      nonce: { type: 'string', pattern: '^[0-9a-f]+$' },
      salt: { type: 'string', pattern: '^[0-9a-f]+$' },
    },
    ['algorithm', 'cost', 'data', 'expiresAt', 'keyLength', 'keyPrefix', 'nonce', 'salt'],
  ),
  signature: { type: 'string', pattern: '^[0-9a-f]+$' },
});

const widgetToken: Schema = closedObject({
  solved: { const: true },
  response: {
    type: 'string',
    maxLength: 1024,
    description: 'The single-use response token (`frc-captcha-response`), to be verified with siteverify.',
  },
  expiresAt: rfc3339,
});

const widgetRefusal = (codes: readonly string[]): Schema =>
  closedObject({ solved: { const: false }, error: closedObject({ code: { enum: [...codes] }, detail: { type: 'string' } }) });

/** The component schemas: every body the service sends or accepts. */
export const WIRE_SCHEMAS: Record<string, Schema> = {
  Error: {
    ...closedObject({ error: closedObject({ code: { enum: CATALOGUE_CODES }, detail: { type: 'string' } }) }),
    description: 'The error envelope of every route outside the classic API and siteverify. `code` is stable; `detail` may be shown to people.',
  },
  ClassicV2Error: {
    ...closedObject({
      response: closedObject({ responseString: { const: '' } }),
      errors: closedObject({
        success: { const: '' },
        faultstring: { type: 'string' },
        action: { const: '' },
        code: { enum: [CLASSIC_MISMATCH_CODES['2.0'], ...CATALOGUE_CODES] },
      }),
      api: closedObject({ endPoint: { const: 'captcha' }, verb: { enum: ['getCaptcha', 'getImage', 'getAudio', 'testCaptcha'] } }),
      request: { type: 'array', maxItems: 0 },
      client: { type: 'array', maxItems: 0 },
    }),
    description: 'The Tornevall v2 error envelope. `errors.code` is the reference\'s `"2003"` for a failed test, else a stable code.',
  },
  ClassicV3Error: {
    ...closedObject({
      response: { type: 'array', maxItems: 0 },
      errors: closedObject({
        code: { enum: [CLASSIC_MISMATCH_CODES['3.0'], ...CATALOGUE_CODES] },
        success: { const: '' },
        faultstring: { type: 'string' },
      }),
    }),
    description: 'The Tornevall v3 error envelope. `errors.code` is the reference\'s `"401"` for a failed test, else a stable code.',
  },
  ClassicIssueV2: closedObject({ imageUrl: { type: 'string', format: 'uri' }, imageHash: captchaHash }),
  ClassicIssueV3: closedObject({
    imageUrl: { type: 'string', format: 'uri' },
    imageHash: captchaHash,
    date: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$',
      description: 'When the captcha\'s lifetime began, `YYYY-MM-DD HH:MM:SS` in UTC.',
    },
  }),
  ClassicTestPassed: closedObject({ response: closedObject({ testCaptchaResponse: { const: '1' } }) }),
  ClassicTestRequest: {
    type: 'object',
    required: ['hash', 'response'],
    properties: {
      hash: { type: 'string', description: 'The captcha id (`imageHash`).' },
      response: { type: 'string', description: 'What the user typed; case and surrounding white space do not matter.' },
    },
  },
  SiteverifyRequest: {
    type: 'object',
    required: ['response'],
    properties: {
      response: { type: 'string', minLength: 1, description: 'The `frc-captcha-response` value the widget put in the form.' },
      sitekey: { type: 'string', description: 'Optional: the site the token must have been made for.' },
      idempotency_key: {
        type: 'string',
        maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
        description:
          'Beyond the reference, optional: a retry with the same key within `SITEVERIFY_RETRY_WINDOW_SECONDS` of the first success succeeds again, marked `replayed`.',
      },
    },
    description: 'Unknown fields are ignored, as the reference does.',
  },
  SiteverifySuccess: closedObject(
    {
      success: { const: true },
      data: closedObject(
        {
          challenge: closedObject({
            timestamp: { ...rfc3339, description: 'When the captcha was solved (RFC 3339, UTC).' },
            origin: { type: 'string', description: 'The origin of the page the widget ran on.' },
          }),
          mode: { enum: [...WIDGET_MODES], description: 'Beyond the reference: what the visitor solved.' },
          replayed: { const: true, description: 'Beyond the reference: a retry with the same `idempotency_key`.' },
        },
        ['challenge', 'mode'],
      ),
    },
    ['success', 'data'],
  ),
  SiteverifyFailure: {
    ...closedObject({
      success: { const: false },
      error: closedObject({ error_code: { enum: [...SITEVERIFY_WIRE_CODES] }, detail: { type: 'string' } }),
    }),
    description: 'The reference\'s failure envelope.',
  },
  ImageChallenge: closedObject({
    mode: { const: 'image' },
    challenge: captchaHash,
    image: pngDataUrl,
    expiresAt: rfc3339,
  }),
  PuzzleChallenge: closedObject(
    {
      mode: { enum: WIDGET_MODES.filter((mode) => mode !== 'image') },
      puzzle,
      work: { type: 'integer', minimum: MIN_POW_WORK, maximum: MAX_POW_WORK, description: 'The average number of hashes the puzzle takes.' },
      expiresAt: rfc3339,
      challenge: { ...captchaHash, description: 'On a step-up: the id of the image that must be answered too (its audio is at `/audio/<challenge>`).' },
      image: { ...pngDataUrl, description: 'On a step-up: the image to read.' },
    },
    ['mode', 'puzzle', 'work', 'expiresAt'],
  ),
  SolveRequest: {
    type: 'object',
    required: ['challenge', 'answer'],
    properties: { challenge: { type: 'string', maxLength: 128 }, answer: { type: 'string', maxLength: 64 } },
  },
  ProofRequest: {
    type: 'object',
    required: ['puzzle'],
    properties: {
      puzzle: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_PUZZLE_LENGTH,
        pattern: '^[A-Za-z0-9+/_-]+={0,2}$',
        description: 'The solved puzzle: base64 of the JSON `{"challenge": <puzzle>, "solution": {"counter", "derivedKey", "time"}}`, as ALTCHA\'s widget sends it.',
      },
      answer: { type: 'string', maxLength: 64, description: 'After a step-up: the characters of its image.' },
    },
  },
  WidgetToken: widgetToken,
  SolveRefusal: widgetRefusal(['wrong_answer', 'challenge_expired']),
  ProofRefusal: widgetRefusal(['wrong_answer', 'challenge_expired', 'puzzle_invalid']),
  StudyCaptcha: closedObject({ id: captchaHash, image: pngDataUrl }),
  StudyAnswerRequest: {
    type: 'object',
    required: ['id', 'answer'],
    properties: { id: { type: 'string', maxLength: 64 }, answer: { type: 'string', maxLength: 32 } },
  },
  StudyAnswer: closedObject({
    correct: { type: 'boolean' },
    difficulty: { enum: [...DIFFICULTIES] },
    seconds: { type: 'number', minimum: 0, description: 'From showing the image to the answer, to a tenth of a second.' },
  }),
  Health: closedObject({ status: { const: 'ok' } }),
  Readiness: {
    oneOf: [
      closedObject({ status: { const: 'ready' } }),
      closedObject({ status: { const: 'unavailable' }, reason: { enum: Object.keys(READINESS_REASONS) } }),
    ],
  },
};
