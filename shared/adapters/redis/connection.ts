import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config } from '../../runtime/config.js';

/** The part of the config that says where Redis is and how to reach it. */
export type RedisSettings = Pick<
  Config,
  | 'redisUrl'
  | 'redisClusterNodes'
  | 'redisSentinels'
  | 'redisSentinelName'
  | 'redisSentinelPassword'
  | 'redisUsername'
  | 'redisPassword'
  | 'redisTls'
>;

export type RedisMode = 'standalone' | 'cluster' | 'sentinel';

/** A connection to the configured Redis: one server (found directly or through Sentinels) or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

export interface ConnectionBehaviour {
  /**
   * Fail at once while disconnected instead of queueing, and never send a
   * command again whose reply was lost: the request path must never hang on
   * Redis, and must not re-run a GETDEL that Redis may already have run.
   * Redirections that prove a command did not run (MOVED, ASK, TRYAGAIN,
   * CLUSTERDOWN) are still followed.
   */
  readonly failFast: boolean;
  readonly commandTimeoutMs?: number;
}

/** Cluster when nodes are listed, else Sentinel when Sentinels are, else one server at REDIS_URL. */
export function redisMode(settings: RedisSettings): RedisMode {
  if (settings.redisClusterNodes.length > 0) return 'cluster';
  if (settings.redisSentinels.length > 0) return 'sentinel';
  return 'standalone';
}

/** Settings for one standalone server, for tools and tests that are handed a URL. */
export function standaloneRedis(url: string, password = ''): RedisSettings {
  return {
    redisUrl: url,
    redisClusterNodes: [],
    redisSentinels: [],
    redisSentinelName: 'mymaster',
    redisSentinelPassword: '',
    redisUsername: '',
    redisPassword: password,
    redisTls: false,
  };
}

/** Reconnect quickly at first, then at most once a second. */
const backoff = (attempt: number): number => Math.min(50 * 2 ** attempt, 1000);

/**
 * Opens (lazily: `connectRedis` connects) a connection in the configured mode.
 * Every client of the product is made here: the request path, workers,
 * BullMQ's queue and worker connections, the admin CLI and test helpers.
 */
export function openRedisConnection(settings: RedisSettings, behaviour: ConnectionBehaviour): RedisConnection {
  const mode = redisMode(settings);
  const tls = settings.redisTls || (mode === 'standalone' && settings.redisUrl.startsWith('rediss:'));
  const { failFast } = behaviour;
  const node = {
    lazyConnect: true,
    maxRetriesPerRequest: failFast ? 0 : null,
    autoResendUnfulfilledCommands: !failFast,
    ...(behaviour.commandTimeoutMs ? { commandTimeout: behaviour.commandTimeoutMs } : {}),
    // Set only when given, so a user or password in REDIS_URL still counts.
    ...(settings.redisUsername ? { username: settings.redisUsername } : {}),
    ...(settings.redisPassword ? { password: settings.redisPassword } : {}),
    ...(tls ? { tls: {} } : {}),
  } satisfies RedisOptions;

  if (mode === 'cluster') {
    const options: ClusterOptions = {
      lazyConnect: true,
      // Writes and reads both go to primaries: a replica may lag, and a lagging read of a used marker would let a token verify twice.
      scaleReads: 'master',
      enableOfflineQueue: !failFast,
      clusterRetryStrategy: backoff,
      // A closed connection may have taken a command's reply with it: retrying would re-run it (see failFast).
      retryDelayOnFailover: failFast ? 0 : 200,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      slotsRefreshTimeout: 2000,
      redisOptions: node,
      // With TLS the certificates name the nodes' host names: keep them rather than resolving to addresses.
      ...(tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
    };
    return new Cluster(settings.redisClusterNodes.map(({ host, port }) => ({ host, port })), options);
  }

  const common: RedisOptions = { ...node, enableOfflineQueue: !failFast, retryStrategy: backoff };
  if (mode === 'sentinel') {
    return new Redis({
      ...common,
      sentinels: settings.redisSentinels.map(({ host, port }) => ({ host, port })),
      name: settings.redisSentinelName,
      role: 'master',
      ...(settings.redisSentinelPassword ? { sentinelPassword: settings.redisSentinelPassword } : {}),
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // Hear of a failover from the Sentinels at once rather than after the next failed command.
      failoverDetector: true,
      // A demoted primary answers writes with READONLY: look the primary up again (the write is not re-sent).
      reconnectOnError: (error) => error.message.startsWith('READONLY'),
    });
  }
  return new Redis(settings.redisUrl, common);
}

/** Closes politely, or at once when Redis is away (QUIT would wait for it). */
export async function closeRedisConnection(connection: RedisConnection): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status !== 'ready' && connection.status !== 'connect') {
    connection.disconnect();
    return;
  }
  await connection.quit().catch(() => connection.disconnect());
}

/** The primaries behind a connection: every Cluster primary, or the one server. */
export function primariesOf(connection: RedisConnection): Redis[] {
  return connection instanceof Cluster ? connection.nodes('master') : [connection];
}

/** The configured mode for a log line, without addresses or secrets. */
export function describeRedis(settings: RedisSettings): string {
  const mode = redisMode(settings);
  if (mode === 'cluster') return `Redis Cluster (${settings.redisClusterNodes.length} seed nodes)`;
  if (mode === 'sentinel') return `Redis via Sentinel (master ${settings.redisSentinelName}, ${settings.redisSentinels.length} Sentinels)`;
  return 'standalone Redis';
}
