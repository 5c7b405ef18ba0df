import { Queue } from 'bullmq';
import type { RefillRequester } from '../../domain/captcha/ports.js';
import { closeRedisConnection, openRedisConnection, type RedisConnection, type RedisSettings } from '../redis/connection.js';
import type { Keyspace } from '../redis/keys.js';

export const REFILL_QUEUE = 'render';
export const REFILL_JOB = 'refill-shard';

/**
 * A refill job names a shard only, never an answer or an image: the worker
 * fills the shard to its target as it finds it when the job runs.
 */
export interface RefillJobData {
  readonly shard: number;
}

export function isRefillJobData(data: unknown, shards: number): data is RefillJobData {
  if (typeof data !== 'object' || data === null) return false;
  const { shard } = data as Record<string, unknown>;
  return Number.isInteger(shard) && (shard as number) >= 0 && (shard as number) < shards;
}

/**
 * A connection for BullMQ (queue, worker or events) in the configured mode:
 * a Redis Cluster is handed to BullMQ as an ioredis Cluster, as BullMQ
 * requires. BullMQ blocks on some connections, so this one waits for Redis
 * rather than failing fast. BullMQ never closes a connection it was handed:
 * its owner does, with `closeRedisConnection`.
 */
export function bullConnection(settings: RedisSettings): RedisConnection {
  return openRedisConnection(settings, { failFast: false });
}

/** The refill queue, closing its own connection when it closes. */
export class RefillQueue extends Queue<RefillJobData> {
  private readonly ownConnection: RedisConnection;

  constructor(settings: RedisSettings, keys: Keyspace) {
    const connection = bullConnection(settings);
    super(REFILL_QUEUE, {
      connection,
      prefix: keys.queuePrefix,
      defaultJobOptions: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 250 },
        removeOnComplete: true,
        removeOnFail: 100,
      },
    });
    this.ownConnection = connection;
  }

  override async close(): Promise<void> {
    await super.close();
    await closeRedisConnection(this.ownConnection);
  }
}

export function createRefillQueue(settings: RedisSettings, keys: Keyspace): RefillQueue {
  return new RefillQueue(settings, keys);
}

/**
 * Refill requests as BullMQ jobs, deduplicated per shard: however many API
 * pods see a shard run low, one job for it waits or runs at a time.
 */
export class BullRefillRequester implements RefillRequester {
  constructor(private readonly queue: Queue<RefillJobData>) {}

  async requestRefill(shard: number): Promise<void> {
    await this.queue.add(REFILL_JOB, { shard }, { deduplication: { id: `refill-${shard}` } });
  }
}
