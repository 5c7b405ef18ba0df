/**
 * What each Redis node says about itself (INFO cpu, commandstats, stats,
 * memory), and the difference between two readings summed over nodes.
 */
import type { Redis } from 'ioredis';

export interface NodeStats {
  /** used_cpu_sys + used_cpu_user, seconds. */
  readonly cpu: number;
  /** Calls by command name, as INFO commandstats counts them: a script's EVALSHA and each command it runs. */
  readonly calls: Record<string, number>;
  readonly netIn: number;
  /** Bytes sent, replication included (Redis 7.0 counts both here). */
  readonly netOut: number;
  readonly replicationOut: number;
  readonly usedMemory: number;
}

export async function nodeStats(node: Redis): Promise<NodeStats> {
  const info = (await node.call('INFO', 'cpu', 'commandstats', 'stats', 'memory')) as string;
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  const calls: Record<string, number> = {};
  for (const [, name, count] of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) calls[name ?? ''] = Number(count);
  return {
    cpu: field('used_cpu_sys') + field('used_cpu_user'),
    calls,
    netIn: field('total_net_input_bytes'),
    netOut: field('total_net_output_bytes'),
    replicationOut: field('total_net_repl_output_bytes'),
    usedMemory: field('used_memory'),
  };
}

export const statsOf = (nodes: readonly Redis[]): Promise<NodeStats[]> => Promise.all(nodes.map(nodeStats));

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

export const usedMemory = async (nodes: readonly Redis[]): Promise<number> => sum((await statsOf(nodes)).map((s) => s.usedMemory));

export interface RedisDelta {
  readonly cpuPerNode: number[];
  /** Commands by name over all the nodes; INFO, the reading itself, left out. */
  readonly calls: Record<string, number>;
  readonly callsPerNode: number[];
  readonly netIn: number;
  /** Bytes sent to clients, replication left out. */
  readonly netOutToClients: number;
  readonly replicationOut: number;
}

/** Two readings of the same nodes, in the same order. `probes`: commands the reader sent itself in between, taken off. */
export function redisDelta(before: readonly NodeStats[], after: readonly NodeStats[], probes: Record<string, number> = {}): RedisDelta {
  const calls: Record<string, number> = {};
  const callsPerNode = after.map((node, i) => {
    let total = 0;
    for (const [name, count] of Object.entries(node.calls)) {
      if (name === 'info') continue;
      const added = count - (before[i]?.calls[name] ?? 0);
      calls[name] = (calls[name] ?? 0) + added;
      total += added;
    }
    return total;
  });
  for (const [name, count] of Object.entries(probes)) calls[name] = (calls[name] ?? 0) - count;
  const change = (pick: (s: NodeStats) => number): number => sum(after.map((s, i) => pick(s) - pick(before[i] ?? s)));
  return {
    cpuPerNode: after.map((s, i) => s.cpu - (before[i]?.cpu ?? s.cpu)),
    calls: Object.fromEntries(Object.entries(calls).filter(([, count]) => count > 0)),
    callsPerNode,
    netIn: change((s) => s.netIn),
    netOutToClients: change((s) => s.netOut - s.replicationOut),
    replicationOut: change((s) => s.replicationOut),
  };
}
