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

/** CPU seconds (user + system, all threads) the Redis server has used so far. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  const seconds = field('used_cpu_sys') + field('used_cpu_user');
  if (!Number.isFinite(seconds)) throw new Error('INFO cpu gave no used_cpu_sys/used_cpu_user');
  return seconds;
}

export interface CpuPerRequest {
  /** µs of the serving process's CPU per completed request. */
  readonly serverUs: number;
  /** µs of Redis's CPU per completed request. */
  readonly redisUs: number;
}

/** Runs a load and divides the CPU the serving process and Redis used meanwhile by the requests it completed. */
export async function withCpu<T extends { rps: number }>(
  pid: number,
  redis: Redis,
  seconds: number,
  run: () => Promise<T>,
): Promise<T & CpuPerRequest> {
  const serverBefore = processCpuSeconds(pid);
  const redisBefore = await redisCpuSeconds(redis);
  const result = await run();
  const serverAfter = processCpuSeconds(pid);
  const redisAfter = await redisCpuSeconds(redis);
  const requests = Math.max(1, result.rps * seconds);
  return { ...result, serverUs: ((serverAfter - serverBefore) * 1e6) / requests, redisUs: ((redisAfter - redisBefore) * 1e6) / requests };
}
