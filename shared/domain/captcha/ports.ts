/**
 * What the captcha rules need from storage and the render queue. The Redis
 * and BullMQ adapters implement these; unit tests use in-memory fakes.
 */

export interface PoolIssue {
  /**
   * The issued captcha's id and, when it was asked for, its entry as it was
   * pooled (without the binding); undefined when the shard was empty.
   */
  readonly issued: { readonly id: string; readonly entry?: Buffer | undefined } | undefined;
  /** Entries left in the shard afterwards. */
  readonly remaining: number;
}

/** The prerendered pool, as the API sees it. */
export interface PoolReader {
  /**
   * Issues the oldest entry of a shard under its random id, with `binding`
   * attached and the given time to live, in one atomic step: an entry is
   * never lost between the pool and its issue, nor issued twice. Returns the
   * entry only `withEntry`, so that issuing need not copy it.
   */
  issueFrom(shard: number, binding: string, ttlSeconds: number, withEntry: boolean): Promise<PoolIssue>;
}

/** The prerendered pool, as the render workers see it. */
export interface PoolWriter {
  depth(shard: number): Promise<number>;
  depths(shards: number): Promise<number[]>;
  push(shard: number, entries: readonly Buffer[]): Promise<void>;
}

/** Issued captchas, keyed by id, each with its own time to live. */
export interface IssuedCaptchas {
  read(id: string): Promise<Buffer | undefined>;
  /** Reads and deletes in one atomic step: whoever takes an entry is the only one who sees it. */
  take(id: string): Promise<Buffer | undefined>;
  /** Stores an entry rendered on demand (not from the pool) under a fresh id. */
  store(id: string, entry: Buffer, ttlSeconds: number): Promise<void>;
}

/** Asks the render workers to top up one shard. Repeated asks while one is pending are merged. */
export interface RefillRequester {
  requestRefill(shard: number): Promise<void>;
}

/** What the captcha rules report about the pool; the metrics adapter implements it. */
export interface PoolObserver {
  waited(): void;
  exhausted(): void;
}
