import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitBucket, RateLimitCheck, RateLimitDecision, RateLimiter } from '../../domain/abuse/ports.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

/** The counters never refuse on their own: the caller's threshold decides. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * Per-client fixed-window counters in Redis (rate-limiter-flexible, one Lua
 * call per request), so every pod counts against the same limit: one counter
 * per bucket and client, whatever threshold a site sets on it. Keys carry the
 * client as a hash tag and expire with their window.
 *
 * When Redis refuses the write (full, read-only after a failover, or away),
 * each pod counts in its own memory instead, so a full Redis never stops the
 * answer checks and verifications that do not need to write.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiters = new Map<RateLimitBucket, RateLimiterRedis>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async consume(check: RateLimitCheck, client: string): Promise<RateLimitDecision> {
    const result: RateLimiterRes = await this.limiter(check).consume(`{${client}}`);
    if (result.consumedPoints <= check.threshold) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
  }

  private limiter({ bucket, windowSeconds }: RateLimitCheck): RateLimiterRedis {
    let limiter = this.limiters.get(bucket);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: this.keys.rateLimit(bucket),
        points: UNBOUNDED,
        duration: windowSeconds,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: bucket, points: UNBOUNDED, duration: windowSeconds }),
      });
      this.limiters.set(bucket, limiter);
    }
    return limiter;
  }
}
