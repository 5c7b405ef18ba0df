import { ERROR_CODES, type ErrorCode } from '../../../shared/domain/errors.js';
import { CLASSIC_VERSIONS, type ClassicVerb, type ClassicVersion } from '../wire/classic-wire.js';
import { CLASSIC_MISMATCH_CODES, closedObject, ref, WIRE_SCHEMAS, type Schema } from './wire-schemas.js';

type Operation = Record<string, unknown>;
type Responses = Record<string, Record<string, unknown>>;

/** Every route can fail unexpectedly; the answer then says only that. */
const ALWAYS: readonly ErrorCode[] = ['internal_error'];
/** What the body parser answers for a body it will not read (JSON, urlencoded or multipart fields only). */
const BODY: readonly ErrorCode[] = ['bad_request', 'files_not_accepted', 'payload_too_large', 'unsupported_media_type'];
const WIDGET_PAGE: readonly ErrorCode[] = ['sitekey_unknown', 'origin_not_allowed'];

const json = (schema: Schema) => ({ 'application/json': { schema } });

/** A schema that only constrains one nested property: `narrow(['error', 'code'], {enum})`, to go in an allOf beside an envelope. */
const narrow = ([name, ...rest]: readonly string[], leaf: Schema): Schema =>
  name === undefined ? leaf : { type: 'object', properties: { [name]: narrow(rest, leaf) } };

const both = (...schemas: Schema[]): Schema => ({ type: 'object', allOf: schemas });

/** The three body encodings every form endpoint reads (fields only; a file part is refused). */
const formBody = (schemaName: string, description: string) => ({
  required: true,
  description,
  content: {
    'application/json': { schema: ref(schemaName) },
    'application/x-www-form-urlencoded': { schema: ref(schemaName) },
    'multipart/form-data': { schema: ref(schemaName) },
  },
});

const RETRY_AFTER = { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } };

/** Groups error codes by the catalogue's HTTP status: one response per status, listing the codes it can carry. */
function byStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const groups = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...ALWAYS])) {
    const status = ERROR_CODES[code].status;
    groups.set(status, [...(groups.get(status) ?? []), code]);
  }
  return groups;
}

const describeCodes = (codes: readonly string[]): string => codes.map((code) => `\`${code}\``).join(', ');

/** 429 always names when to retry; a 503 may. */
function errorHeaders(status: number): { headers?: Record<string, unknown> } {
  if (status === 429) return { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfterRequired' } } };
  return status === 503 ? { headers: RETRY_AFTER } : {};
}

/** Error responses in the generic `{"error":{"code","detail"}}` envelope. */
function genericErrors(codes: readonly ErrorCode[]): Responses {
  const responses: Responses = {};
  for (const [status, group] of [...byStatus(codes)].sort(([a], [b]) => a - b)) {
    const schema = both(ref('Error'), narrow(['error', 'code'], { enum: group }));
    responses[String(status)] = { description: describeCodes(group), ...errorHeaders(status), content: json(schema) };
  }
  return responses;
}

/** Error responses in a classic envelope; `mismatch` adds the reference's failed-test verdict. */
function classicErrors(version: ClassicVersion, verb: ClassicVerb, codes: readonly ErrorCode[], mismatch = false): Responses {
  const groups = new Map<number, string[]>(byStatus(codes));
  if (mismatch) {
    const status = version === '2.0' ? 400 : 401;
    groups.set(status, [CLASSIC_MISMATCH_CODES[version], ...(groups.get(status) ?? [])]);
  }
  const responses: Responses = {};
  for (const [status, group] of [...groups].sort(([a], [b]) => a - b)) {
    const narrowings = [narrow(['errors', 'code'], { enum: group }), ...(version === '2.0' ? [narrow(['api', 'verb'], { const: verb })] : [])];
    const description =
      mismatch && group.includes(CLASSIC_MISMATCH_CODES[version])
        ? `The reference's failed test (\`"${CLASSIC_MISMATCH_CODES[version]}"\`: a wrong, unknown, used or expired captcha)${group.length > 1 ? `, or ${describeCodes(group.slice(1))}` : ''}`
        : describeCodes(group);
    const schema = both(ref(version === '2.0' ? 'ClassicV2Error' : 'ClassicV3Error'), ...narrowings);
    responses[String(status)] = { description, ...errorHeaders(status), content: json(schema) };
  }
  return responses;
}

const hashParameter = {
  name: 'hash',
  in: 'path',
  required: true,
  description: 'The captcha id (`imageHash`); case and surrounding white space do not matter.',
  schema: { type: 'string' },
};

function classicPaths(version: ClassicVersion): Record<string, Record<string, Operation>> {
  const v = version === '2.0' ? 'V2' : 'V3';
  const base = `/${version}/captcha`;
  const tags = [`Classic API v${version.charAt(0)}`];
  const issueBody = (envelope: string): Schema =>
    closedObject({ response: closedObject({ [envelope]: ref(version === '2.0' ? 'ClassicIssueV2' : 'ClassicIssueV3') }) });
  const issue = (operationId: string, envelope: string, summary: string): Operation => ({
    operationId,
    tags,
    summary,
    description: 'Issues a fresh captcha for this client. Rate limited per client (IPv6 per /64), with a cap on its live captchas.',
    responses: {
      '200': { description: 'A captcha: its id and the URL of its image.', content: json(issueBody(envelope)) },
      ...classicErrors(version, 'getCaptcha', ['rate_limited', 'pool_exhausted', 'store_unavailable']),
    },
  });
  const image = (operationId: string): Operation => ({
    operationId,
    tags,
    summary: 'The captcha image',
    parameters: [hashParameter],
    responses: {
      '200': { description: 'The PNG, never cached.', content: { 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } } },
      ...classicErrors(version, 'getImage', ['captcha_not_found', 'store_unavailable']),
    },
  });
  const audio = (operationId: string): Operation => ({
    operationId,
    tags,
    summary: 'The same captcha, spoken',
    description:
      'A new recording of the same characters on every request (8 kHz µ-law WAV, at most 40 KB). Listening never consumes the captcha. Rate limited per client (`RATE_LIMIT_AUDIO_PER_MINUTE`).',
    parameters: [hashParameter],
    responses: {
      '200': { description: 'The WAV, never cached.', content: { 'audio/wav': { schema: { type: 'string', contentMediaType: 'audio/wav' } } } },
      ...classicErrors(version, 'getAudio', ['captcha_not_found', 'rate_limited', 'audio_unavailable', 'store_unavailable']),
    },
  });
  const testPassed = { '200': { description: 'The answer was right.', content: json(ref('ClassicTestPassed')) } };
  const testDescription = 'Every attempt, right or wrong, consumes the captcha. Rate limited per client.';
  return {
    [base]: { get: issue(`classic${v}Issue`, 'captchaResponse', 'Issue a captcha') },
    [`${base}/getCaptcha`]: { get: issue(`classic${v}GetCaptcha`, 'getCaptchaResponse', 'Issue a captcha (`getCaptchaResponse` envelope)') },
    [`${base}/getImage/hash/{hash}`]: { get: image(`classic${v}GetImage`) },
    [`${base}/getImage/{hash}`]: { get: image(`classic${v}GetImageShort`) },
    [`${base}/getAudio/hash/{hash}`]: { get: audio(`classic${v}GetAudio`) },
    [`${base}/getAudio/{hash}`]: { get: audio(`classic${v}GetAudioShort`) },
    [`${base}/testCaptcha/hash/{hash}/response/{response}`]: {
      get: {
        operationId: `classic${v}TestInPath`,
        tags,
        summary: 'Test an answer given in the path',
        description: testDescription,
        parameters: [hashParameter, { name: 'response', in: 'path', required: true, description: 'What the user typed.', schema: { type: 'string' } }],
        responses: { ...testPassed, ...classicErrors(version, 'testCaptcha', ['rate_limited', 'store_unavailable'], true) },
      },
    },
    [`${base}/testCaptcha`]: {
      post: {
        operationId: `classic${v}Test`,
        tags,
        summary: 'Test an answer given in the body',
        description: testDescription,
        requestBody: formBody('ClassicTestRequest', '`hash` and `response` as a JSON object or form fields.'),
        responses: { ...testPassed, ...classicErrors(version, 'testCaptcha', [...BODY, 'rate_limited', 'store_unavailable'], true) },
      },
    },
  };
}

/** siteverify answers every error in its reference's envelope, mapping what the reference has no code for to bad_request. */
function siteverifyErrors(): Responses {
  const failure = (codes: readonly string[]) => both(ref('SiteverifyFailure'), narrow(['error', 'error_code'], { enum: codes }));
  const entry = (description: string, codes: readonly string[], status?: number) => ({
    description,
    ...(status === undefined ? {} : errorHeaders(status)),
    content: json(failure(codes)),
  });
  return {
    '400': entry('`sitekey_invalid`, `response_missing`, or `bad_request` (an empty, unparsable or mistyped body, or a file part)', ['sitekey_invalid', 'response_missing', 'bad_request']),
    '401': entry('`auth_required` (no `X-API-Key`) or `auth_invalid`', ['auth_required', 'auth_invalid']),
    '413': entry('`bad_request`: the body is too large', ['bad_request']),
    '415': entry('`bad_request`: the body\'s charset is not supported', ['bad_request']),
    '429': entry('`rate_limited`', ['rate_limited'], 429),
    '500': entry('`internal_error`', ['internal_error']),
    '503': entry('`store_unavailable`: retry', ['store_unavailable'], 503),
  };
}

const sitekeyParameter = {
  name: 'sitekey',
  in: 'path',
  required: true,
  description: 'The site\'s public sitekey: `FC` and 14 base32 characters.',
  schema: { type: 'string' },
};
const originParameter = {
  name: 'Origin',
  in: 'header',
  required: true,
  description: 'The page\'s origin, as the browser sends it: one of the site\'s allowed origins.',
  schema: { type: 'string' },
};
const challengeParameter = {
  name: 'challenge',
  in: 'path',
  required: true,
  description: 'The id of an image challenge (or step-up image) issued to this site and page.',
  schema: { type: 'string' },
};

const CORS_ALLOW_ORIGIN = {
  'Access-Control-Allow-Origin': { description: 'The page\'s origin; absent for any origin the site does not allow.', schema: { type: 'string' } },
};

function widgetPaths(): Record<string, Record<string, Operation>> {
  const tags = ['Widget'];
  const base = '/api/v2/widget/{sitekey}';
  const preflight = (operationId: string): Operation => ({
    operationId,
    tags,
    summary: 'CORS preflight',
    parameters: [sitekeyParameter],
    responses: {
      '200': {
        description: 'The origin is not one of the site\'s (or the sitekey is unknown): an `Allow` list and no CORS headers, so the browser refuses.',
        headers: { Allow: { required: true, schema: { type: 'string' } } },
        content: { 'text/plain': { schema: { type: 'string', maxLength: 0 } } },
      },
      '204': {
        description: 'The origin is one of the site\'s: `POST` is allowed from it.',
        headers: { ...CORS_ALLOW_ORIGIN, 'Access-Control-Allow-Methods': { schema: { const: 'POST' } } },
      },
      ...genericErrors(['store_unavailable']),
    },
  });
  const audio = (operationId: string): Operation => ({
    operationId,
    tags,
    summary: 'The current image challenge, spoken',
    description:
      'Only to the page the challenge was issued to; a new recording on every request, and listening never consumes the challenge. Rate limited per client (`RATE_LIMIT_AUDIO_PER_MINUTE`).',
    parameters: [sitekeyParameter, challengeParameter, originParameter],
    responses: {
      '200': {
        description: 'The WAV (8 kHz µ-law, at most 40 KB), never cached.',
        headers: CORS_ALLOW_ORIGIN,
        content: { 'audio/wav': { schema: { type: 'string', contentMediaType: 'audio/wav' } } },
      },
      ...genericErrors([...WIDGET_PAGE, 'challenge_expired', 'rate_limited', 'audio_unavailable', 'store_unavailable']),
    },
  });
  return {
    '/widget.js': {
      get: {
        operationId: 'widgetScript',
        tags,
        summary: 'The widget script',
        description: 'Mounts every `.frc-captcha` element of the page; see docs/api-token.md for its attributes and events.',
        responses: {
          '200': { description: 'The script, cacheable for 5 minutes.', content: { 'application/javascript': { schema: { type: 'string' } } } },
          ...genericErrors(['widget_not_built']),
        },
      },
    },
    [`${base}/challenge`]: {
      post: {
        operationId: 'widgetChallenge',
        tags,
        summary: 'A challenge for this site and page',
        description:
          'By the site\'s mode: an image captcha bound to the site and the page\'s origin, or a signed proof-of-work puzzle (with an image on a step-up). Rate limited per client, by the site\'s own limits where it has them.',
        parameters: [sitekeyParameter, originParameter],
        responses: {
          '200': {
            description: 'An image challenge, or a puzzle.',
            headers: CORS_ALLOW_ORIGIN,
            content: json({ oneOf: [ref('ImageChallenge'), ref('PuzzleChallenge')] }),
          },
          ...genericErrors([...WIDGET_PAGE, 'rate_limited', 'pool_exhausted', 'store_unavailable']),
        },
      },
      options: preflight('widgetChallengePreflight'),
    },
    [`${base}/solve`]: {
      post: {
        operationId: 'widgetSolve',
        tags,
        summary: 'Answer an image challenge (image mode)',
        description: 'Every answer consumes the challenge. In the pow modes answers go to `/proof` with their puzzle (409 `puzzle_required`).',
        parameters: [sitekeyParameter, originParameter],
        requestBody: formBody('SolveRequest', '`challenge` (its id) and `answer` (the characters read).'),
        responses: {
          '200': {
            description: 'A response token, or why not (a wrong answer, or a challenge that expired or was used).',
            headers: CORS_ALLOW_ORIGIN,
            content: json({ oneOf: [ref('WidgetToken'), ref('SolveRefusal')] }),
          },
          ...genericErrors([...WIDGET_PAGE, ...BODY, 'puzzle_required', 'rate_limited', 'store_unavailable']),
        },
      },
      options: preflight('widgetSolvePreflight'),
    },
    [`${base}/proof`]: {
      post: {
        operationId: 'widgetProof',
        tags,
        summary: 'Redeem a solved puzzle (pow modes)',
        description: 'A puzzle makes one token, whatever pod it reaches.',
        parameters: [sitekeyParameter, originParameter],
        requestBody: formBody('ProofRequest', '`puzzle` (the solved puzzle) and, after a step-up, `answer`.'),
        responses: {
          '200': {
            description: 'A response token, or why not.',
            headers: CORS_ALLOW_ORIGIN,
            content: json({ oneOf: [ref('WidgetToken'), ref('ProofRefusal')] }),
          },
          ...genericErrors([...WIDGET_PAGE, ...BODY, 'rate_limited', 'store_unavailable']),
        },
      },
      options: preflight('widgetProofPreflight'),
    },
    [`${base}/audio/{challenge}`]: { get: audio('widgetAudio'), post: audio('widgetAudioPost') },
  };
}

function siteverifyPaths(): Record<string, Record<string, Operation>> {
  return {
    '/api/v2/captcha/siteverify': {
      post: {
        operationId: 'siteverify',
        tags: ['Token API'],
        summary: 'Verify a response token',
        description:
          'Wire-compatible with Friendly Captcha v2: `@friendlycaptcha/server-sdk` works with `apiEndpoint` set to this service. A token verifies successfully once. Any method but POST answers 405 `method_not_allowed` in this envelope.',
        security: [{ apiKey: [] }],
        requestBody: formBody('SiteverifyRequest', '`response` and an optional `sitekey`, as a JSON object or form fields.'),
        responses: {
          '200': {
            description: 'Verified: `success` says whether to accept the submission (`response_invalid`, `response_timeout` and `response_duplicate` are verdicts, not errors).',
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    ref('SiteverifySuccess'),
                    both(ref('SiteverifyFailure'), narrow(['error', 'error_code'], { enum: ['response_invalid', 'response_timeout', 'response_duplicate'] })),
                  ],
                },
                examples: SITEVERIFY_EXAMPLES,
              },
            },
          },
          ...siteverifyErrors(),
        },
      },
    },
  };
}

const example = (value: unknown, summary: string) => ({ summary, value });
const failureExample = (code: string, detail: string) => example({ success: false, error: { error_code: code, detail } }, code);

/** What siteverify answers with 200, one example each (the SDK test feeds them to the official SDK). */
const SITEVERIFY_EXAMPLES = {
  success: example({ success: true, data: { challenge: { timestamp: '2026-11-21T19:47:05Z', origin: 'https://shop.example' }, mode: 'image' } }, 'Accept'),
  replayed: example(
    { success: true, data: { challenge: { timestamp: '2026-11-21T19:47:05Z', origin: 'https://shop.example' }, mode: 'pow', replayed: true } },
    'Accept: a retry with the same idempotency_key',
  ),
  response_invalid: failureExample('response_invalid', ERROR_CODES.response_invalid.detail),
  response_timeout: failureExample('response_timeout', ERROR_CODES.response_timeout.detail),
  response_duplicate: failureExample('response_duplicate', ERROR_CODES.response_duplicate.detail),
};

function demoPaths(): Record<string, Record<string, Operation>> {
  const tags = ['Demo'];
  const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
  const query = (name: string, values: readonly string[] | undefined, description: string) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: values ? { enum: [...values] } : { type: 'string' },
  });
  return {
    '/demo': {
      get: {
        operationId: 'demoPage',
        tags,
        summary: 'A sign-up form protected by the widget',
        description: 'Served when `DEMO_SITEKEY` and `DEMO_API_KEY` are set (`npm start` sets them).',
        parameters: [
          query('theme', ['light', 'dark', 'auto'], 'The widget\'s `data-theme`.'),
          query('lang', undefined, 'The widget\'s `data-lang`, a language tag.'),
          query('size', ['compact'], 'The widget\'s `data-size`.'),
        ],
        responses: { '200': html('The page.'), ...genericErrors([]) },
      },
    },
    '/demo/submit': {
      post: {
        operationId: 'demoSubmit',
        tags,
        summary: 'The demo form\'s backend',
        description: 'Calls siteverify with the demo site\'s API key, as a real site would, and shows the outcome.',
        requestBody: formBody('DemoSubmitRequest', 'The form, with the widget\'s `frc-captcha-response`.'),
        responses: { '200': html('Accepted or Rejected, with siteverify\'s answer.'), ...genericErrors([...BODY, 'rate_limited']) },
      },
    },
    '/demo/study': {
      get: {
        operationId: 'studyPage',
        tags,
        summary: 'The reading study',
        description: 'Served when `STUDY_PAGE` is on: operators measure what their own staff read at each difficulty.',
        responses: { '200': html('The page.'), ...genericErrors([]) },
      },
    },
    '/demo/study.js': {
      get: {
        operationId: 'studyScript',
        tags,
        summary: 'The reading study\'s script',
        responses: {
          '200': { description: 'The script.', content: { 'application/javascript': { schema: { type: 'string' } } } },
          ...genericErrors(['widget_not_built']),
        },
      },
    },
    '/demo/study/captcha': {
      post: {
        operationId: 'studyCaptcha',
        tags,
        summary: 'The next study captcha, of a random difficulty',
        responses: {
          '200': { description: 'Its id and image.', content: json(ref('StudyCaptcha')) },
          ...genericErrors(['rate_limited', 'pool_exhausted', 'store_unavailable']),
        },
      },
    },
    '/demo/study/answer': {
      post: {
        operationId: 'studyAnswer',
        tags,
        summary: 'Answer a study captcha',
        requestBody: formBody('StudyAnswerRequest', '`id` and `answer`.'),
        responses: {
          '200': { description: 'Whether it was right, its difficulty and how long it took.', content: json(ref('StudyAnswer')) },
          ...genericErrors([...BODY, 'captcha_not_found', 'rate_limited', 'store_unavailable']),
        },
      },
    },
  };
}

function servicePaths(): Record<string, Record<string, Operation>> {
  const tags = ['Service'];
  return {
    '/healthz': {
      get: {
        operationId: 'health',
        tags,
        summary: 'The process runs',
        description: 'Also on the operations port.',
        responses: { '200': { description: 'Alive.', content: json(ref('Health')) }, ...genericErrors([]) },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readiness',
        tags,
        summary: 'The process should get traffic',
        description: 'Not draining, and Redis answers and accepts writes. Also on the operations port.',
        responses: {
          '200': { description: 'Ready.', content: json(ref('Readiness')) },
          '503': { description: 'Not ready, and why.', content: json(ref('Readiness')) },
          ...genericErrors([]),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApiDescription',
        tags,
        summary: 'This description',
        responses: {
          '200': {
            description: 'The OpenAPI 3.1 description of the public port.',
            content: json({
              type: 'object',
              required: ['openapi', 'info', 'paths'],
              properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } },
            }),
          },
          ...genericErrors([]),
        },
      },
    },
  };
}

const DESCRIPTION = `A self-hosted image captcha service with two public APIs on one core:
the classic Tornevall image-captcha API (v2 and v3) and a Friendly-Captcha-v2-compatible
token API (\`siteverify\`) fed by a browser widget.

Errors are JSON with a stable code, in the envelope of the API called: under \`/2.0/captcha\`
and \`/3.0/captcha\` the Tornevall envelope of that version (\`errors.code\`), at siteverify the
reference's \`{"success":false,"error":{"error_code","detail"}}\`, everywhere else
\`{"error":{"code","detail"}}\`. A path that is not listed here answers 404 \`not_found\`, and a
listed path asked with a method it does not list answers 405 \`method_not_allowed\`, each in the
envelope of its scope; \`HEAD\` answers like \`GET\` without a body, and \`OPTIONS\` lists the
allowed methods (\`Allow\`) unless a preflight is described. Paths match case-insensitively and
with or without a trailing slash.

Metrics are not on this port: \`/metrics\` is served on the private operations port only.`;

/**
 * The OpenAPI 3.1 description of every route on the public port, built from
 * the same constants the routes use (error catalogue, API versions, limits),
 * so it cannot name a code the service does not have.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'captcha-cluster',
      version,
      description: DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The service that serves this description.' }],
    security: [],
    tags: [
      { name: 'Classic API v2', description: 'Tornevall v2: get a captcha, show its image, test the answer once.' },
      { name: 'Classic API v3', description: 'Tornevall v3: as v2, with the issue date and the v3 error envelope.' },
      { name: 'Token API', description: 'Verify the widget\'s response token from your backend.' },
      { name: 'Widget', description: 'The browser endpoints behind the widget; the sitekey in the path scopes CORS to the site\'s origins.' },
      { name: 'Demo', description: 'The demo form and the reading study, when configured.' },
      { name: 'Service', description: 'Health, readiness and this description.' },
    ],
    paths: {
      ...Object.assign({}, ...CLASSIC_VERSIONS.map(classicPaths)),
      ...siteverifyPaths(),
      ...widgetPaths(),
      ...demoPaths(),
      ...servicePaths(),
    },
    components: {
      schemas: {
        ...WIRE_SCHEMAS,
        DemoSubmitRequest: { type: 'object', properties: { 'frc-captcha-response': { type: 'string' } } },
      },
      headers: {
        RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'string', pattern: '^\\d+$' } },
        RetryAfterRequired: { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'string', pattern: '^\\d+$' } },
      },
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key of the site\'s account (`npm run admin -- add-key`).' },
      },
    },
  };
}
