import { describe, expect, it } from 'vitest';
import { PoolPolicy } from '../../shared/domain/captcha/pool-policy.js';
import { PoolRefiller } from '../../shared/domain/captcha/pool-refiller.js';
import { MemoryPool } from '../support/fakes.js';

describe('PoolPolicy', () => {
  it('splits target and watermark evenly over shards, rounding up', () => {
    const policy = new PoolPolicy(4, 1000, 401);
    expect(policy.shardTarget).toBe(250);
    expect(policy.shardLowWatermark).toBe(101);
    expect(policy.needsRefill(100)).toBe(true);
    expect(policy.needsRefill(101)).toBe(false);
    expect(policy.deficit(240)).toBe(10);
    expect(policy.deficit(300)).toBe(0);
  });

  it('visits every shard once from any start', () => {
    const policy = new PoolPolicy(4, 100, 10);
    expect(policy.shardOrder(2)).toEqual([2, 3, 0, 1]);
    expect(policy.shardOrder(0)).toEqual([0, 1, 2, 3]);
  });
});

describe('PoolRefiller', () => {
  const renderer = () => {
    let rendered = 0;
    const batches: number[] = [];
    return {
      batches,
      render: (count: number) => {
        batches.push(count);
        return Promise.resolve(Array.from({ length: count }, () => Buffer.from(`entry-${rendered++}`)));
      },
    };
  };

  it('fills a shard to its target in batches', async () => {
    const pool = new MemoryPool();
    const { render, batches } = renderer();
    const refiller = new PoolRefiller({ pool, policy: new PoolPolicy(2, 50, 10), render, batchSize: 10 });
    await pool.push(0, [Buffer.from('old')]);
    expect(await refiller.fillShard(0)).toBe(24);
    expect(await pool.depth(0)).toBe(25);
    expect(batches).toEqual([10, 10, 4]);
    expect(await refiller.fillShard(0)).toBe(0);
  });

  it('stops at its limit and between batches when told to stop', async () => {
    const pool = new MemoryPool();
    const { render, batches } = renderer();
    let stop = false;
    const refiller = new PoolRefiller({
      pool,
      policy: new PoolPolicy(1, 100, 10),
      render: async (count) => {
        const entries = await render(count);
        stop = true;
        return entries;
      },
      batchSize: 10,
      shouldStop: () => stop,
    });
    expect(await refiller.fillShard(0, 35)).toBe(10);
    expect(batches).toEqual([10]);
  });

  it('reports every shard below its target, however little it lacks', async () => {
    const pool = new MemoryPool();
    const refiller = new PoolRefiller({ pool, policy: new PoolPolicy(3, 30, 15), render: renderer().render, batchSize: 5 });
    await pool.push(0, Array.from({ length: 10 }, () => Buffer.from('x')));
    await pool.push(1, Array.from({ length: 9 }, () => Buffer.from('x')));
    await pool.push(2, Array.from({ length: 3 }, () => Buffer.from('x')));
    expect(await refiller.shortShards()).toEqual([
      { shard: 1, deficit: 1 },
      { shard: 2, deficit: 7 },
    ]);
  });

  it('fills every short shard itself, never one shard twice at once in one process', async () => {
    const pool = new MemoryPool();
    const { render, batches } = renderer();
    const refiller = new PoolRefiller({ pool, policy: new PoolPolicy(3, 30, 15), render, batchSize: 4 });
    await pool.push(1, Array.from({ length: 10 }, () => Buffer.from('x')));
    const [fromJob, fromCheck] = await Promise.all([refiller.fillShard(0), refiller.fillShortShards(2)]);
    expect(fromJob).toBe(10);
    expect(fromCheck).toBe(10); // shard 2 only: shard 0 was being filled by the job
    expect(await pool.depths(3)).toEqual([10, 10, 10]);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(20);
  });
});
