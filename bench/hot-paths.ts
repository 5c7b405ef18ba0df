/**
 * The hot paths both benchmarks drive, each beside its reference handler
 * (bench/reference-routes.ts): `npm run bench` reads their CPU time and
 * throughput, `npm run bench:instructions` their instruction counts. Every
 * scenario is prepared on demand, with enough single-use captchas and tokens
 * that no request repeats one.
 */
import type { Redis } from 'ioredis';
import { decodeEntry, encodeEntry } from '../shared/domain/captcha/captcha-entry.js';
import { newCaptchaId } from '../shared/domain/captcha/captcha-id.js';
import { stampBinding } from '../shared/domain/captcha/captcha-store.js';
import { poolShardTag, type Keyspace } from '../shared/adapters/redis/keys.js';
import { ResponseTokens } from '../shared/domain/token/response-token.js';
import type { Scenario } from './load-generator.js';
import { liveReferenceEntries } from './reference-fixtures.js';

/** The page origin of the benchmark's widget site. */
export const BENCH_ORIGIN = 'https://bench.example';

export interface HotPathFixtures {
  readonly redis: Redis;
  readonly keys: Keyspace;
  /** The references' key prefix (bench/reference-fixtures.ts). */
  readonly referencePrefix: string;
  /** Rendered pool entries to copy (answer, PNG); at least one. */
  readonly rendered: readonly Buffer[];
  readonly site: { readonly sitekey: string; readonly accountId: string };
  readonly apiKey: string;
  readonly tokenSecret: string;
  /** The store's data epoch, which tokens carry. */
  readonly epoch: string;
  /** Single-use captchas and tokens to prepare per scenario. */
  readonly requestsPerScenario: number;
}

export interface PathScenario {
  readonly scenario: () => Promise<Scenario>;
  readonly referenceName: string;
  readonly reference: () => Promise<Scenario>;
  readonly goal?: number;
  readonly redisGoalUs?: number;
}

/** Hands out the items in turn, from the first again after the last. */
export const cycle = <T>(items: readonly T[]): (() => T) => {
  let i = 0;
  return () => items[i++ % items.length];
};

const ONE_SCRIPT = 'GET /reference/issue: one EVALSHA (RPOP + APPEND + EXPIRE), returns the id';
const ONE_READ = 'POST /reference/one-read: the same body parsed, one GET';

/** Valid response tokens of the benchmark's site, each verifiable once. */
export function signedTokens(fixtures: HotPathFixtures, count: number): string[] {
  const { site } = fixtures;
  const tokens = new ResponseTokens(fixtures.tokenSecret);
  return Array.from({ length: count }, () =>
    tokens.sign({ id: ResponseTokens.newId(), sitekey: site.sitekey, accountId: site.accountId, origin: BENCH_ORIGIN, solvedAt: Date.now(), expiresAt: Date.now() + 600_000, epoch: fixtures.epoch }),
  );
}

/** Fills Redis with live captchas (optionally bound to the widget site) and returns [id, answer] pairs. */
export async function liveCaptchas(fixtures: HotPathFixtures, count: number, binding: string): Promise<[string, string][]> {
  const { redis, keys, rendered } = fixtures;
  const pairs: [string, string][] = [];
  for (let done = 0; done < count; done += 1000) {
    const pipeline = redis.pipeline();
    for (let i = done; i < Math.min(count, done + 1000); i++) {
      const source = decodeEntry(rendered[i % rendered.length] ?? Buffer.alloc(0));
      if (!source) throw new Error('bad pool entry');
      const id = newCaptchaId(poolShardTag(i % 4));
      // As the store issues it: the issue time travels ahead of the binding.
      pipeline.set(keys.captcha(id), encodeEntry({ ...source, binding: stampBinding(Date.now(), binding) }), 'EX', 600);
      pairs.push([id, source.answer]);
    }
    await pipeline.exec();
  }
  return pairs;
}

/** Every hot path and its reference, healthz first and siteverify last. */
export function hotPathScenarios(fixtures: HotPathFixtures): PathScenario[] {
  const { redis, referencePrefix, rendered, site, apiKey, requestsPerScenario } = fixtures;
  const firstPng = decodeEntry(rendered[0] ?? Buffer.alloc(0))?.png;
  if (!firstPng) throw new Error('no rendered entry to copy');
  const referenceBodies = (body: () => string) => cycle(Array.from({ length: 200 }, body));
  /** The one-round-trip reference: a POST whose body, shaped like the path's own, is parsed and answered with one GET. */
  const oneReadReference = (contentType: string, makeBody: () => string): Promise<Scenario> =>
    Promise.resolve({ name: 'one GET', method: 'POST' as const, path: '/reference/one-read', headers: { 'Content-Type': contentType }, body: referenceBodies(makeBody) });

  return [
    {
      scenario: () => Promise.resolve({ name: 'healthz: GET /healthz', path: '/healthz' }),
      referenceName: 'GET /reference/static: static JSON (the Koa + router floor)',
      reference: () => Promise.resolve({ name: 'static JSON', path: '/reference/static' }),
    },
    {
      scenario: () => Promise.resolve({ name: 'classic issue: GET /3.0/captcha', path: '/3.0/captcha' }),
      referenceName: ONE_SCRIPT,
      reference: () => Promise.resolve({ name: 'one script', path: '/reference/issue' }),
      goal: 1.3,
      redisGoalUs: 20,
    },
    {
      scenario: async () => {
        const ids = (await liveCaptchas(fixtures, 500, '')).map(([id]) => id);
        return { name: 'image: GET /3.0/captcha/getImage/<hash>', paths: cycle(ids.map((id) => `/3.0/captcha/getImage/${id}`)) };
      },
      referenceName: `GET /reference/image: one GET of a ${(firstPng.length / 1024).toFixed(1)} KB PNG`,
      reference: () => Promise.resolve({ name: 'one PNG GET', path: '/reference/image' }),
      goal: 1.15,
    },
    {
      scenario: async () => {
        const next = cycle((await liveCaptchas(fixtures, requestsPerScenario, '')).map(([id, answer]) => `/3.0/captcha/testCaptcha/hash/${id}/response/${answer}`));
        return { name: 'classic check (right answer, consumes)', paths: next };
      },
      referenceName: 'GET /reference/check/<id>/<answer>: GETDEL of the entry + compare',
      reference: async () => {
        const live = rendered.flatMap((encoded) => {
          const entry = decodeEntry(encoded);
          return entry ? [{ encoded, answer: entry.answer }] : [];
        });
        const next = cycle((await liveReferenceEntries(redis, referencePrefix, live, requestsPerScenario)).map(([id, answer]) => `/reference/check/${id}/${answer}`));
        return { name: 'GETDEL + compare', paths: next };
      },
      goal: 1.15,
    },
    {
      scenario: () =>
        Promise.resolve({
          name: 'widget challenge: POST …/challenge',
          method: 'POST' as const,
          path: `/api/v2/widget/${site.sitekey}/challenge`,
          headers: { Origin: BENCH_ORIGIN },
        }),
      referenceName: ONE_SCRIPT,
      reference: () => Promise.resolve({ name: 'one script', path: '/reference/issue' }),
    },
    {
      scenario: async () => {
        const next = cycle(await liveCaptchas(fixtures, requestsPerScenario, JSON.stringify([site.sitekey, BENCH_ORIGIN])));
        return {
          name: 'widget solve: POST …/solve (right answer)',
          method: 'POST' as const,
          path: `/api/v2/widget/${site.sitekey}/solve`,
          headers: { Origin: BENCH_ORIGIN, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: () => {
            const [id, answer] = next();
            return `challenge=${id}&answer=${answer}`;
          },
        };
      },
      referenceName: ONE_READ,
      reference: () => oneReadReference('application/x-www-form-urlencoded', () => `challenge=${newCaptchaId(poolShardTag(0))}&answer=ABCDEF`),
      goal: 1.3,
    },
    {
      scenario: () => {
        const next = cycle(signedTokens(fixtures, requestsPerScenario));
        return Promise.resolve({
          name: 'siteverify: POST /api/v2/captcha/siteverify',
          method: 'POST' as const,
          path: '/api/v2/captcha/siteverify',
          headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
          body: () => JSON.stringify({ response: next() }),
        });
      },
      referenceName: ONE_READ,
      reference: () => oneReadReference('application/json', () => JSON.stringify({ response: signedTokens(fixtures, 1)[0] })),
      goal: 1.3,
    },
  ];
}
