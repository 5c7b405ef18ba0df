/**
 * The benchmark side of the references and peers: starts the reference
 * server (dist/bench/reference-server.js) as its own process and fills Redis
 * with what its routes consume, so that no request repeats one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createChallenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Redis } from 'ioredis';
import { capTokenStorage, type PeerSecrets } from './peer-routes.js';
import { referenceKeys } from './reference-routes.js';

export interface ReferenceServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export const REFERENCE_SERVER_SCRIPT = fileURLToPath(new URL('./reference-server.js', import.meta.url));

/** The reference server's environment: the benchmark's Redis, its own key prefix, the ALTCHA peer's secrets. */
export function referenceServerEnv(redisUrl: string, prefix: string, secrets: PeerSecrets): NodeJS.ProcessEnv {
  return {
    ...process.env,
    REDIS_URL: redisUrl,
    REFERENCE_PREFIX: prefix,
    ALTCHA_SIGNATURE_SECRET: secrets.altchaSignatureSecret,
    ALTCHA_KEY_SIGNATURE_SECRET: secrets.altchaKeySignatureSecret,
  };
}

/** Starts the reference server on a free port; resolves once it listens. */
export async function startReferenceServer(redisUrl: string, prefix: string, secrets: PeerSecrets, nodeArgs: readonly string[] = []): Promise<ReferenceServer> {
  const child = spawn(process.execPath, [...nodeArgs, REFERENCE_SERVER_SCRIPT], { env: referenceServerEnv(redisUrl, prefix, secrets), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /\{"port":(\d+)\}/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`reference server exited with ${String(code)}:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${String(port)}`,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Writes in batches of one pipeline each, so a large fill neither waits on each reply nor queues everything at once. */
async function inBatches(count: number, write: (pipeline: ReturnType<Redis['pipeline']>, index: number) => void, redis: Redis): Promise<void> {
  for (let done = 0; done < count; done += 1000) {
    const pipeline = redis.pipeline();
    for (let i = done; i < Math.min(count, done + 1000); i++) write(pipeline, i);
    await pipeline.exec();
  }
}

/**
 * Fills the references' data: `pooled` entries under their own keys with
 * their ids in the list the one-script reference pops, the PNG the image
 * reference reads, and the value the one-round-trip reference reads.
 */
export async function seedReferences(redis: Redis, prefix: string, entries: readonly Buffer[], png: Buffer, pooled: number): Promise<void> {
  const keys = referenceKeys(prefix);
  await redis.set(keys.png, png);
  await redis.set(keys.one, '1');
  await inBatches(
    pooled,
    (pipeline, i) => {
      const id = `p${i.toString(36)}`;
      pipeline.set(keys.entry(id), entries[i % entries.length] ?? Buffer.alloc(0));
      pipeline.lpush(keys.pool, id);
    },
    redis,
  );
}

/** Live entries for the check reference; returns each one's [id, answer]. */
export async function liveReferenceEntries(redis: Redis, prefix: string, entries: readonly { encoded: Buffer; answer: string }[], count: number): Promise<[string, string][]> {
  const keys = referenceKeys(prefix);
  const pairs: [string, string][] = [];
  const tag = randomBytes(4).toString('hex');
  await inBatches(
    count,
    (pipeline, i) => {
      const source = entries[i % entries.length];
      if (!source) throw new Error('no entries to copy');
      const id = `c${tag}${i.toString(36)}`;
      pipeline.set(keys.entry(id), source.encoded, 'EX', 600);
      pairs.push([id, source.answer]);
    },
    redis,
  );
  return pairs;
}

/**
 * Valid Cap tokens, stored as Cap's own `redeemChallenge` stores them after
 * a solved challenge: the token is `<id>:<secret>`, and the storage hook gets
 * `<id>:<SHA-256 of secret>` with the expiry (solving Cap's challenges for
 * each of them would only slow the preparation down).
 */
export async function capTokens(redis: Redis, prefix: string, count: number): Promise<string[]> {
  const storage = capTokenStorage(redis, prefix);
  const expires = Date.now() + 20 * 60 * 1000;
  const tokens: string[] = [];
  for (let done = 0; done < count; done += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - done) }, () => ({ id: randomBytes(8).toString('hex'), secret: randomBytes(15).toString('hex') }));
    await Promise.all(batch.map(({ id, secret }) => storage.store(`${id}:${createHash('sha256').update(secret).digest('hex')}`, expires)));
    tokens.push(...batch.map(({ id, secret }) => `${id}:${secret}`));
  }
  return tokens;
}

/**
 * Solved ALTCHA v2 challenges, base64 of `{challenge, solution}` as its
 * widget posts them, signed as shared/domain/pow/puzzle.ts signs ours (signature and
 * key signature). The secret counter is 0: verification costs the same
 * whatever the work, and preparation stays quick. WebCrypto runs on the
 * thread pool, so a batch at a time goes in parallel.
 */
export async function altchaPayloads(secrets: PeerSecrets, count: number): Promise<string[]> {
  const expiresAt = Math.floor(Date.now() / 1000) + 1200;
  const payload = async (): Promise<string> => {
    const challenge = await createChallenge({
      algorithm: 'SHA-256',
      cost: 1,
      counter: 0,
      deriveKey,
      expiresAt,
      hmacSignatureSecret: secrets.altchaSignatureSecret,
      hmacKeySignatureSecret: secrets.altchaKeySignatureSecret,
    });
    const solution = await solveChallenge({ challenge, deriveKey });
    if (!solution) throw new Error('altcha-lib found no solution');
    return Buffer.from(JSON.stringify({ challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } })).toString('base64');
  };
  const payloads: string[] = [];
  for (let done = 0; done < count; done += 200) {
    payloads.push(...(await Promise.all(Array.from({ length: Math.min(200, count - done) }, payload))));
  }
  return payloads;
}
