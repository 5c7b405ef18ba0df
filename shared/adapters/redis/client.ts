import { readFileSync } from 'node:fs';
import { openRedisConnection, primariesOf, type ConnectionBehaviour, type RedisConnection, type RedisSettings } from './connection.js';

/** Lua scripts this project registers on every connection, by command name and file. */
const SCRIPTS = {
  issuePooled: { file: 'issue-pooled-1.lua', numberOfKeys: 1 },
  markTokenUsed: { file: 'mark-token-used-1.lua', numberOfKeys: 1 },
  markPuzzleUsed: { file: 'mark-puzzle-used-1.lua', numberOfKeys: 1 },
  countClientSignal: { file: 'count-client-signal-1.lua', numberOfKeys: 1 },
  recordKeyUse: { file: 'record-key-use-2.lua', numberOfKeys: 2 },
} as const;

export interface ProjectCommands {
  /** With the entry: its bytes are a PNG, so the reply stays binary. */
  issuePooledBuffer(
    shardKey: string,
    ttlSeconds: number,
    binding: string,
    captchaKeyPrefix: string,
    tagLength: number,
    withEntry: '1',
  ): Promise<[Buffer | null, number, Buffer | null]>;
  /** Without the entry: the id comes back as a string, with nothing to decode. */
  issuePooled(
    shardKey: string,
    ttlSeconds: number,
    binding: string,
    captchaKeyPrefix: string,
    tagLength: number,
    withEntry: '0',
  ): Promise<[string | null, number, null]>;
  markTokenUsed(markerKey: string, fingerprint: string, ttlSeconds: number, nowMs: number): Promise<[0 | 1 | 2, number]>;
  markPuzzleUsed(markerKey: string, ttlSeconds: number): Promise<0 | 1>;
  countClientSignal(signalsKey: string, signal: string, nowMs: number, windowMs: number): Promise<[number, number, number, number, number, number]>;
  recordKeyUse(accountKeysKey: string, keyUsesKey: string, keyId: string, nowMs: number): Promise<0 | 1>;
}

export type RedisClient = RedisConnection & ProjectCommands;

/**
 * A connection in the configured mode (standalone, Cluster or Sentinel) with
 * the project's Lua scripts defined on it. For the request path, failFast:
 * commands issued while Redis is away reject at once, and commands whose
 * reply was lost in a disconnect are not sent again: re-sending a GETDEL after
 * Redis already ran it would report a real solve as unknown, so such a request
 * fails with a 503 and the client retries with a fresh captcha.
 */
export function createRedisClient(settings: RedisSettings, behaviour: ConnectionBehaviour): RedisClient {
  const client = openRedisConnection(settings, behaviour);
  for (const [name, script] of Object.entries(SCRIPTS)) {
    const lua = readFileSync(new URL(`./scripts/${script.file}`, import.meta.url), 'utf8');
    client.defineCommand(name, { numberOfKeys: script.numberOfKeys, lua });
  }
  return client as RedisClient;
}

export const MIN_REDIS_MAJOR = 7;

/** Whether a Redis version string is new enough: Redis 7 brought script flags, which the issuing script relies on. */
export function isSupportedRedisVersion(version: string): boolean {
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  return Number.isInteger(major) && major >= MIN_REDIS_MAJOR;
}

/** Refuses a Redis too old for our scripts, with a clear message at start-up rather than errors on every issue. */
export async function assertSupportedRedis(client: RedisConnection): Promise<void> {
  // On a Cluster every primary runs our scripts, so every primary must be new enough.
  for (const primary of primariesOf(client)) {
    const version = /redis_version:(\S+)/.exec(await primary.info('server'))?.[1] ?? 'unknown';
    if (!isSupportedRedisVersion(version)) {
      throw new Error(`Redis ${version} is too old; this service needs Redis ${MIN_REDIS_MAJOR} or newer.`);
    }
  }
}

/**
 * Refuses a Redis that may evict keys: an evicted answer fails a real user and
 * an evicted API key locks a site out. With noeviction, a full Redis refuses
 * writes instead, which the services turn into 503s.
 */
export async function assertNoEviction(client: RedisConnection): Promise<void> {
  for (const primary of primariesOf(client)) {
    const policy = /maxmemory_policy:(\S+)/.exec(await primary.info('memory'))?.[1];
    if (policy !== undefined && policy !== 'noeviction') {
      const where = client === primary ? '' : ` on ${primary.options.host ?? '?'}:${primary.options.port ?? '?'}`;
      throw new Error(`Redis maxmemory-policy is ${policy}${where}; it would evict captchas and keys. Set maxmemory-policy noeviction.`);
    }
  }
}

/** Connects and proves Redis answers, so a service fails at start-up rather than on its first request. */
export async function connectRedis(client: RedisConnection, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // A refused AUTH arrives as an error event, and connect() then only says the connection closed.
  let lastError: Error | undefined;
  const remember = (error: Error): void => {
    lastError = error;
  };
  client.on('error', remember);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([(async () => {
      if (client.status === 'wait') await client.connect();
      await client.ping();
      // On a Cluster, open every primary's connection now: the request path does not queue
      // commands, so a first command to a primary still connecting would fail with a 503.
      await Promise.all(primariesOf(client).map((node) => node.ping()));
    })(), timeout]);
  } catch (error) {
    const reason = lastError && /NOAUTH|WRONGPASS|auth/i.test(lastError.message) ? lastError.message : undefined;
    throw reason ? new Error(`Redis refused to authenticate (check REDIS_PASSWORD): ${reason}`) : error;
  } finally {
    clearTimeout(timer);
    client.off('error', remember);
  }
}
