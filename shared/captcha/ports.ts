/**
 * What the captcha rules need from storage and the render queue. The Redis
 * and BullMQ adapters implement these; unit tests use in-memory fakes.
 */

export interface PoolTake {
  /** Encoded entry, or undefined when the shard was empty. */
  readonly entry: Buffer | undefined;
  /** Entries left in the shard after the take. */
  readonly remaining: number;
}

/** The prerendered pool, as the API sees it. */
export interface PoolReader {
  take(shard: number): Promise<PoolTake>;
}

/** The prerendered pool, as the render workers see it. */
export interface PoolWriter {
  depth(shard: number): Promise<number>;
  depths(shards: number): Promise<number[]>;
  push(shard: number, entries: readonly Buffer[]): Promise<void>;
}

/** Issued captchas, keyed by id, each with its own time to live. */
export interface IssuedCaptchas {
  put(id: string, entry: Buffer, ttlSeconds: number): Promise<void>;
  read(id: string): Promise<Buffer | undefined>;
  /** Reads and deletes in one atomic step: whoever takes an entry is the only one who sees it. */
  take(id: string): Promise<Buffer | undefined>;
}

/** Asks the render workers to top up one shard. Repeated asks while one is pending are merged. */
export interface RefillRequester {
  requestRefill(shard: number, count: number): Promise<void>;
}
