import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export const SENTINEL_NAME = 'captcha';

/** A primary, its replicas and three Sentinels on loopback, from Debian's redis-server and redis-sentinel. */
export interface RedisSentinelSetup {
  /** `host:port,...` of the Sentinels, as REDIS_SENTINELS takes it. */
  readonly sentinels: string;
  readonly name: string;
  readonly password: string;
  /** Ports of the data nodes (the primary first, at start). */
  readonly dataPorts: readonly number[];
  /** The port the Sentinels name as primary now. */
  primaryPort(): Promise<number>;
  /** A direct connection to one data node. */
  node(port: number): Redis;
  /** SIGKILLs one data node. */
  kill(port: number): Promise<void>;
  /** Asks the Sentinels for a failover (SENTINEL FAILOVER): the replica is promoted, the primary demoted. */
  failover(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisSentinelOptions {
  readonly password?: string;
  /** Replicas of the primary (1 by default). */
  readonly replicas?: number;
  /** How long the primary may be silent before a Sentinel thinks it down. */
  readonly downAfterMs?: number;
  /**
   * `min-replicas-to-write` of the data nodes: with 1, a primary that lost its
   * replica (as a demoted one does the moment its replica is promoted) refuses
   * writes instead of taking writes the new primary will never see.
   */
  readonly minReplicasToWrite?: number;
}

/**
 * Starts the setup and waits until the replica is in sync and every Sentinel
 * knows the replica and the other two Sentinels, so a failover can happen.
 */
export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinelSetup> {
  const password = options.password ?? '';
  const downAfterMs = options.downAfterMs ?? 1000;
  const dir = mkdtempSync(join(tmpdir(), 'redis-sentinel-'));
  const dataPorts = [await freePort()];
  for (let replica = 0; replica < (options.replicas ?? 1); replica++) dataPorts.push(await freePort());
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  const children = new Map<number, ChildProcess>();
  const clients = new Map<number, Redis>();
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const [primary, ...replicas] = dataPorts as [number, ...number[]];
  const safety = options.minReplicasToWrite ? ['--min-replicas-to-write', String(options.minReplicasToWrite), '--min-replicas-max-lag', '10'] : [];
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...auth, ...safety];
  children.set(primary, spawn('redis-server', ['--port', String(primary), ...common], { stdio: 'ignore' }));
  for (const replica of replicas) {
    children.set(replica, spawn('redis-server', ['--port', String(replica), '--replicaof', '127.0.0.1', String(primary), ...common], { stdio: 'ignore' }));
  }
  for (const port of sentinelPorts) {
    // Sentinels rewrite their config file as they learn, so each gets its own writable one.
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} ${downAfterMs}`,
        `sentinel failover-timeout ${SENTINEL_NAME} 10000`,
        `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
        ...(password ? [`sentinel auth-pass ${SENTINEL_NAME} ${password}`] : []),
        '',
      ].join('\n'),
    );
    children.set(port, spawn('redis-sentinel', [file], { stdio: 'ignore' }));
  }

  const connect = (port: number, withPassword: boolean): Redis => {
    let client = clients.get(port);
    if (client?.status === 'end') client = undefined;
    if (!client) {
      client = new Redis({
        host: '127.0.0.1',
        port,
        password: withPassword && password ? password : undefined,
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
        connectTimeout: 1000,
      });
      client.on('error', () => undefined);
      clients.set(port, client);
    }
    return client;
  };
  const node = (port: number): Redis => connect(port, true);
  const sentinel = (port: number): Redis => connect(port, false);
  const setup: RedisSentinelSetup = {
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
    name: SENTINEL_NAME,
    password,
    dataPorts,
    node,
    async primaryPort() {
      for (const port of sentinelPorts) {
        const child = children.get(port);
        if (!child || child.exitCode !== null || child.signalCode !== null) continue;
        const address = (await sentinel(port).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME).catch(() => null)) as [string, string] | null;
        if (address) return Number(address[1]);
      }
      throw new Error('no Sentinel answers');
    },
    async kill(port) {
      const child = children.get(port);
      clients.get(port)?.disconnect();
      clients.delete(port);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
    async failover() {
      await sentinel(sentinelPorts[0]).call('SENTINEL', 'FAILOVER', SENTINEL_NAME);
    },
    async stop() {
      await Promise.all([...children.keys()].map((port) => setup.kill(port)));
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    for (const replica of replicas) {
      await waitFor(async () => /master_link_status:up/.test(await node(replica).info('replication')), 15_000, 'the replicas to sync');
    }
    // With min-replicas-to-write, the primary takes writes once it has heard from enough replicas.
    const good = options.minReplicasToWrite ?? 0;
    await waitFor(async () => Number(/min_slaves_good_slaves:(\d+)/.exec(await node(primary).info('replication'))?.[1] ?? good) >= good, 15_000, 'good replicas');
    await waitFor(
      async () => {
        for (const port of sentinelPorts) {
          const master = (await sentinel(port).call('SENTINEL', 'MASTER', SENTINEL_NAME)) as string[];
          const field = (name: string): number => Number(master[master.indexOf(name) + 1]);
          if (field('num-slaves') < replicas.length || field('num-other-sentinels') < 2) return false;
        }
        return true;
      },
      20_000,
      'the Sentinels to find the replica and each other',
    );
  } catch (error) {
    await setup.stop();
    throw error;
  }
  return setup;
}
