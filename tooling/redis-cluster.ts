import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

/** One redis-server of a test Cluster. */
export interface ClusterNode {
  readonly port: number;
  readonly child: ChildProcess;
}

/** A real Redis Cluster of redis-server processes on loopback, with a replica per primary. */
export interface RedisClusterServer {
  /** `host:port,...` of every node, as REDIS_CLUSTER_NODES takes it. */
  readonly nodes: string;
  readonly ports: readonly number[];
  readonly password: string;
  /** A direct (non-cluster) connection to one node, for CLUSTER and INFO commands. */
  node(port: number): Redis;
  /** The node ports that are primaries now, and the primary each replica follows. */
  topology(): Promise<{ primaries: number[]; replicaOf: Map<number, number> }>;
  /** The port of the primary that owns a hash slot now. */
  ownerOf(slot: number): Promise<number>;
  /** SIGKILLs one node. */
  kill(port: number): Promise<void>;
  /** Waits until every live node reports cluster_state:ok and every slot served. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  readonly primaries?: number;
  readonly replicasPerPrimary?: number;
  readonly password?: string;
  /** How long a node may be silent before the others call it failed and promote its replica. */
  readonly nodeTimeoutMs?: number;
}

/**
 * Starts `primaries` primaries and their replicas from Debian's redis-server
 * (`--cluster-enabled yes`, no persistence), joins them with
 * `redis-cli --cluster create`, and waits until every node reports
 * cluster_state:ok and every replica is in sync.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterServer> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 1;
  const password = options.password ?? '';
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2000;
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const count = primaries * (1 + replicas);
  const ports: number[] = [];
  const busPorts: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    const busPort = await freePort();
    if (port === busPort || ports.includes(port) || busPorts.includes(port) || ports.includes(busPort) || busPorts.includes(busPort)) continue;
    ports.push(port);
    busPorts.push(busPort);
  }
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const children = new Map<number, ChildProcess>();
  const clients = new Map<number, Redis>();
  const startNode = (port: number, busPort: number): void => {
    const child = spawn(
      'redis-server',
      [
        '--port', String(port),
        '--cluster-port', String(busPort),
        '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', String(nodeTimeoutMs),
        '--save', '',
        '--appendonly', 'no',
        '--dir', dir,
        ...auth,
      ],
      { stdio: 'ignore' },
    );
    children.set(port, child);
  };
  const node = (port: number): Redis => {
    let client = clients.get(port);
    if (client?.status === 'end') client = undefined;
    if (!client) {
      client = new Redis({ host: '127.0.0.1', port, password: password || undefined, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 1000 });
      client.on('error', () => undefined);
      clients.set(port, client);
    }
    return client;
  };
  const dropClient = (port: number): void => {
    clients.get(port)?.disconnect();
    clients.delete(port);
  };
  const live = (): number[] => ports.filter((port) => children.get(port)?.exitCode === null && children.get(port)?.signalCode === null);
  const info = (port: number, section: string): Promise<string> =>
    section === 'cluster' ? (node(port).call('CLUSTER', 'INFO') as Promise<string>) : node(port).info(section);

  ports.forEach((port, index) => startNode(port, busPorts[index]));
  const server: RedisClusterServer = {
    nodes: ports.map((port) => `127.0.0.1:${port}`).join(','),
    ports,
    password,
    node,
    async topology() {
      const primaryPorts: number[] = [];
      const replicaOf = new Map<number, number>();
      for (const port of live()) {
        const replication = await info(port, 'replication');
        if (/role:master/.test(replication)) primaryPorts.push(port);
        const followed = /master_port:(\d+)/.exec(replication)?.[1];
        if (followed) replicaOf.set(port, Number(followed));
      }
      return { primaries: primaryPorts, replicaOf };
    },
    async ownerOf(slot) {
      const anyLive = live()[0];
      if (anyLive === undefined) throw new Error('no live node');
      const ranges = (await node(anyLive).call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`slot ${slot} has no owner`);
      return range[2][1];
    },
    async kill(port) {
      const child = children.get(port);
      dropClient(port);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
    async waitHealthy(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          for (const port of live()) {
            const state = await info(port, 'cluster');
            if (!/cluster_state:ok/.test(state) || !/cluster_slots_ok:16384/.test(state)) return false;
            const replication = await info(port, 'replication');
            if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return false;
          }
          return true;
        },
        timeoutMs,
        'a healthy Redis Cluster',
      );
    },
    async stop() {
      for (const port of [...clients.keys()]) dropClient(port);
      await Promise.all(ports.map((port) => server.kill(port)));
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all(ports.map((port) => waitFor(async () => (await node(port).ping()) === 'PONG', 10_000, `redis-server on port ${port}`)));
    const created = spawnSync(
      'redis-cli',
      [...(password ? ['-a', password, '--no-auth-warning'] : []), '--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await server.waitHealthy();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
