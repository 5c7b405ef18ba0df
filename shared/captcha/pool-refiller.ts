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
  constructor(private readonly options: PoolRefillerOptions) {}

  /** Renders at most `limit` captchas into the shard; returns how many it pushed. */
  async fillShard(shard: number, limit = Number.POSITIVE_INFINITY): Promise<number> {
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
