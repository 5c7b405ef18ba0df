import type { PoolPolicy } from './pool-policy.js';
import type { PoolWriter } from './ports.js';

export interface PoolRefillerOptions {
  readonly pool: PoolWriter;
  readonly policy: PoolPolicy;
  /** Renders `count` fresh, encoded pool entries. */
  readonly render: (count: number) => Promise<Buffer[]>;
  readonly batchSize: number;
  /** Lets a shutdown stop a refill between batches. */
  readonly shouldStop?: () => boolean;
}

/**
 * Tops pool shards up to their target, a batch at a time, re-reading the
 * depth before each batch so concurrent issuing and refilling never overfill.
 */
export class PoolRefiller {
  /** Shards this process is filling now: a job and the periodic check never fill one shard twice at once. */
  private readonly filling = new Set<number>();

  constructor(private readonly options: PoolRefillerOptions) {}

  /** Renders at most `limit` captchas into the shard; returns how many it pushed (0 when already being filled here). */
  async fillShard(shard: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
    if (this.filling.has(shard)) return 0;
    this.filling.add(shard);
    try {
      return await this.fill(shard, limit);
    } finally {
      this.filling.delete(shard);
    }
  }

  /**
   * Fills every short shard directly, a few at a time. Workers run this on
   * their own schedule, so the pool recovers even while a refill job is held
   * by a worker that died (its deduplication id blocks new jobs until BullMQ's
   * stall detection hands it on, which takes a lock duration or more).
   */
  async fillShortShards(parallel: number): Promise<number> {
    const queue = (await this.shortShards()).map(({ shard }) => shard);
    let pushed = 0;
    const lane = async (): Promise<void> => {
      for (let shard = queue.shift(); shard !== undefined; shard = queue.shift()) pushed += await this.fillShard(shard);
    };
    await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
    return pushed;
  }

  private async fill(shard: number, limit: number): Promise<number> {
    const { pool, policy, render, batchSize, shouldStop } = this.options;
    let pushed = 0;
    while (pushed < limit && !shouldStop?.()) {
      const count = Math.min(policy.deficit(await pool.depth(shard)), batchSize, limit - pushed);
      if (count <= 0) break;
      await pool.push(shard, await render(count));
      pushed += count;
    }
    return pushed;
  }

  /**
   * Shards below their target, with how many each lacks. Requests only refill
   * a shard once it falls below the low watermark, so a shard left between the
   * two when traffic stops is topped up by this periodic check instead.
   */
  async shortShards(): Promise<{ shard: number; deficit: number }[]> {
    const { pool, policy } = this.options;
    const depths = await pool.depths(policy.shards);
    return depths.flatMap((depth, shard) => {
      const deficit = policy.deficit(depth);
      return deficit > 0 ? [{ shard, deficit }] : [];
    });
  }
}
