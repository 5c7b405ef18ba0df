import { Queue, type ConnectionOptions } from 'bullmq';
import type { RefillRequester } from '../captcha/ports.js';
import type { Keyspace } from '../redis/keys.js';

export const REFILL_QUEUE = 'render';
export const REFILL_JOB = 'refill-shard';

/** A refill job names a shard and how many captchas it lacks; never an answer or an image. */
export interface RefillJobData {
  readonly shard: number;
  readonly count: number;
}

export function isRefillJobData(data: unknown, shards: number): data is RefillJobData {
  if (typeof data !== 'object' || data === null) return false;
  const { shard, count } = data as Record<string, unknown>;
  return (
    Number.isInteger(shard) && (shard as number) >= 0 && (shard as number) < shards &&
    Number.isInteger(count) && (count as number) > 0
  );
}

export function bullConnection(redisUrl: string, password = ''): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(password ? { password } : url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

export function createRefillQueue(redisUrl: string, keys: Keyspace, password = ''): Queue<RefillJobData> {
  return new Queue<RefillJobData>(REFILL_QUEUE, {
    connection: bullConnection(redisUrl, password),
    prefix: keys.queuePrefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 250 },
      removeOnComplete: true,
      removeOnFail: 100,
    },
  });
}

/**
 * Refill requests as BullMQ jobs, deduplicated per shard: however many API
 * pods see a shard run low, one job for it waits or runs at a time.
 */
export class BullRefillRequester implements RefillRequester {
  constructor(private readonly queue: Queue<RefillJobData>) {}

  async requestRefill(shard: number, count: number): Promise<void> {
    await this.queue.add(REFILL_JOB, { shard, count }, { deduplication: { id: `refill-${shard}` } });
  }
}
