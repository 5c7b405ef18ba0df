/**
 * CPU time of the processes a benchmark drives: a child process's from /proc,
 * Redis's from INFO cpu. Read before and after a run, divided by the requests
 * it completed, they give CPU per request.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

// USER_HZ: /proc reports CPU times in ticks of 1/100 s on Linux.
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far. */
export function processCpuSeconds(pid: number): number {
  // The command name (in parentheses) may hold spaces: count fields after it.
  const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc/${String(pid)}/stat`);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds (user + system, all threads) the Redis server has used so far, and the commands it has run (a script's EVALSHA and each command inside it count apart). */
export async function redisCounters(redis: Redis): Promise<{ cpuSeconds: number; calls: number }> {
  const info = (await redis.call('INFO', 'cpu', 'commandstats')) as string;
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  const cpuSeconds = field('used_cpu_sys') + field('used_cpu_user');
  if (!Number.isFinite(cpuSeconds)) throw new Error('INFO cpu gave no used_cpu_sys/used_cpu_user');
  let calls = 0;
  for (const [, count] of info.matchAll(/^cmdstat_\S+?:calls=(\d+)/gm)) calls += Number(count);
  return { cpuSeconds, calls };
}

export interface CpuPerRequest {
  /** µs of the serving process's CPU per completed request. */
  readonly serverUs: number;
  /** µs of Redis's CPU per completed request. */
  readonly redisUs: number;
  /** Redis commands per completed request. */
  readonly redisCalls: number;
}

/** Runs a load and divides the CPU the serving process and Redis used meanwhile by the requests it completed. */
export async function withCpu<T extends { rps: number }>(
  pid: number,
  redis: Redis,
  seconds: number,
  run: () => Promise<T>,
): Promise<T & CpuPerRequest> {
  const serverBefore = processCpuSeconds(pid);
  const redisBefore = await redisCounters(redis);
  const result = await run();
  const serverAfter = processCpuSeconds(pid);
  const redisAfter = await redisCounters(redis);
  const requests = Math.max(1, result.rps * seconds);
  return {
    ...result,
    serverUs: ((serverAfter - serverBefore) * 1e6) / requests,
    redisUs: ((redisAfter.cpuSeconds - redisBefore.cpuSeconds) * 1e6) / requests,
    // Less the INFO call that read the counters.
    redisCalls: (redisAfter.calls - redisBefore.calls - 1) / requests,
  };
}
