import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/runtime/config.js';
import { call } from '../../tooling/api-client.js';
import { startLocalCluster, type LocalCluster } from '../../tooling/local-cluster.js';
import { withAdmin } from '../../tooling/token-api.js';

type Issued = { response: { captchaResponse: { imageHash: string } } };

const segment = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{40}$/),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', '..', '%', '%00', '🙂', ' ', 'null', 'undefined', '0'.repeat(400)),
);
const enc = (value: string): string => encodeURIComponent(value);

const paths = (sitekey: string) =>
  fc.oneof(
    fc.tuple(fc.constantFrom('2.0', '3.0', '4.0', '2.0.0'), fc.constantFrom('', '/', '/getCaptcha', '/GETCAPTCHA', '/testCaptcha', '/getImage')).map(([v, s]) => `/${v}/captcha${s}`),
    fc.tuple(fc.constantFrom('2.0', '3.0'), segment).map(([v, hash]) => `/${v}/captcha/getImage/hash/${enc(hash)}`),
    fc.tuple(fc.constantFrom('2.0', '3.0'), segment).map(([v, hash]) => `/${v}/captcha/getImage/${enc(hash)}`),
    fc.tuple(fc.constantFrom('2.0', '3.0'), segment, segment).map(([v, hash, text]) => `/${v}/captcha/testCaptcha/hash/${enc(hash)}/response/${enc(text)}`),
    fc.constant('/api/v2/captcha/siteverify'),
    fc.tuple(fc.oneof(fc.constant(sitekey), segment), fc.constantFrom('challenge', 'solve', 'other')).map(([key, action]) => `/api/v2/widget/${enc(key)}/${action}`),
    fc.constantFrom('/healthz', '/readyz', '/widget.js', '/', '/demo', '/metrics'),
    fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.map(enc).join('/')}`),
  );

const bodies = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.constantFrom('hash', 'response', 'sitekey', 'challenge', 'answer', 'idempotency_key', 'x'), fc.oneof(segment, fc.integer(), fc.constant(null), fc.array(fc.string()))).map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('{', '{"hash":', '[]', 'null', '"x"', '\u0000\u0000', 'hash=&response=', 'a'.repeat(100_000)),
);

const request = (sitekey: string) =>
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    path: paths(sitekey),
    contentType: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'text/plain', 'application/xml', ''),
    apiKey: fc.option(fc.oneof(fc.stringMatching(/^[ -~]{0,200}$/), fc.constant('cck_x')), { nil: undefined }),
    origin: fc.option(fc.constantFrom('https://shop.example', 'https://evil.example', 'null'), { nil: undefined }),
    body: bodies,
  });

/** What the response of a well-behaved API looks like for this request. */
function shapeProblem(path: string, method: string, status: number, contentType: string, text: string): string | undefined {
  if (status >= 500) return `server error ${status}`;
  if (method === 'HEAD' || status === 204) return undefined;
  if (method === 'OPTIONS' && status === 200 && text === '') return undefined; // an Allow answer
  if (status === 200 && /\/getImage\//i.test(path)) return contentType === 'image/png' ? undefined : `image as ${contentType}`;
  if (status === 200 && path === '/widget.js') return contentType.includes('javascript') ? undefined : 'widget not javascript';
  if (status === 200 && path === '/metrics') return contentType.startsWith('text/plain') ? undefined : 'metrics not text';
  if (!contentType.startsWith('application/json')) return `not JSON but ${contentType}: ${text.slice(0, 80)}`;
  const body = JSON.parse(text) as Record<string, unknown>;
  if (path === '/api/v2/captcha/siteverify') {
    if (typeof body.success !== 'boolean') return 'siteverify answer without success';
    if (!body.success && typeof (body.error as { error_code?: unknown } | undefined)?.error_code !== 'string') return 'siteverify failure without error_code';
    return undefined;
  }
  if (/^\/[23]\.0\/captcha(\/|$)/i.test(path) && status >= 400) {
    return typeof (body.errors as { code?: unknown } | undefined)?.code === 'string' ? undefined : 'classic error without errors.code';
  }
  if (status >= 400) return typeof (body.error as { code?: unknown } | undefined)?.code === 'string' ? undefined : 'error without error.code';
  return undefined;
}

describe('hostile input through the load balancer', () => {
  let cluster: LocalCluster;
  let sitekey: string;

  beforeAll(async () => {
    cluster = await startLocalCluster({ apis: 2 });
    const config = loadConfig({ REDIS_URL: cluster.redis.url, KEY_PREFIX: cluster.prefix });
    sitekey = await withAdmin(config, async (admin) => (await admin.createSite({ name: 'shop', origins: ['https://shop.example'] })).site.sitekey);
  });
  afterAll(() => cluster.stop());

  it('always answers 2xx/4xx JSON in the right shape, consumes nothing it was not given, and stays healthy', async () => {
    const bystanders = await Promise.all(
      Array.from({ length: 20 }, async () => ((await call(`${cluster.nginx.url}/3.0/captcha`)).json as Issued).response.captchaResponse.imageHash),
    );
    for (const [target, base] of [['nginx', cluster.nginx.url], ['an API process directly', cluster.apis[0]?.url ?? '']] as const) {
    let runs = 0;
    let refusedByNginx = 0;
    await fc.assert(
      fc.asyncProperty(request(sitekey), async ({ method, path, contentType, apiKey, origin, body }) => {
        runs++;
        const headers: Record<string, string> = {};
        if (contentType !== '') headers['Content-Type'] = contentType;
        if (apiKey !== undefined) headers['X-API-Key'] = apiKey;
        if (origin !== undefined) headers.Origin = origin;
        const sendsBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
        const url = new URL(`${base}${path}`); // as sent: dot segments resolved
        const response = await fetch(url, { method, headers, ...(sendsBody ? { body } : {}), signal: AbortSignal.timeout(10_000) });
        const text = await response.text();
        // nginx refuses some requests before any API process sees them (an encoded NUL in the path, say).
        if (response.headers.get('server')?.startsWith('nginx') && response.status === 400 && text.includes('<center>nginx')) {
          refusedByNginx++;
          return;
        }
        const problem = shapeProblem(url.pathname, method, response.status, response.headers.get('content-type') ?? '', text);
        if (problem) {
          const sent = JSON.stringify({ headers, body: body?.slice(0, 120) });
          throw new Error(`${method} ${path.slice(0, 200)} ${sent} → ${response.status} (${response.headers.get('server') ?? 'api'}): ${problem}; ${text.slice(0, 200)}`);
        }
      }),
      { numRuns: target === 'nginx' ? 1500 : 750, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    console.log(`fuzz through ${target}: ${runs} requests; ${refusedByNginx} refused by nginx itself (400), every other one answered 2xx/4xx JSON of the right shape`);
    }
    for (const api of cluster.apis) expect((await call(`${api.url}/readyz`)).status).toBe(200);
    for (const id of bystanders) expect((await call(`${cluster.nginx.url}/3.0/captcha/getImage/${id}`)).status).toBe(200);
  });
});
