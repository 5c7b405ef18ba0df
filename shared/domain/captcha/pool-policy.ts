/**
 * How the pool is split over shards and when it needs topping up. Each shard
 * holds an equal share of the target, so a shard's own length tells whether
 * the pool as a whole is running low without reading every shard.
 */
export class PoolPolicy {
  readonly shardTarget: number;
  readonly shardLowWatermark: number;

  constructor(
    readonly shards: number,
    targetSize: number,
    lowWatermark: number,
  ) {
    if (!Number.isInteger(shards) || shards < 1) throw new RangeError('shards must be a positive integer');
    this.shardTarget = Math.ceil(targetSize / shards);
    this.shardLowWatermark = Math.ceil(lowWatermark / shards);
  }

  needsRefill(remaining: number): boolean {
    return remaining < this.shardLowWatermark;
  }

  deficit(depth: number): number {
    return Math.max(0, this.shardTarget - depth);
  }

  /** Every shard once, starting at `start`, so concurrent takers spread over the shards. */
  shardOrder(start: number): number[] {
    const order: number[] = [];
    for (let i = 0; i < this.shards; i++) order.push((start + i) % this.shards);
    return order;
  }
}
