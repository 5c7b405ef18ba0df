import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitAction, RateLimitDecision, RateLimiter } from '../abuse/rate-limits.js';
import { rethrowAsUnavailable } from '../errors.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

/**
 * Per-client fixed-window counters in Redis (rate-limiter-flexible, one Lua
 * call per request), so every pod counts against the same limit. Keys carry
 * the client as a hash tag and expire with their window.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiters = new Map<string, RateLimiterRedis>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async consume(action: RateLimitAction, client: string, perMinute: number): Promise<RateLimitDecision> {
    if (perMinute <= 0) return { allowed: true };
    try {
      await this.limiter(action, perMinute).consume(`{${client}}`);
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      return rethrowAsUnavailable(rejection);
    }
  }

  private limiter(action: RateLimitAction, perMinute: number): RateLimiterRedis {
    const name = `${action}:${perMinute}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: this.keys.rateLimit(action, perMinute),
        points: perMinute,
        duration: 60,
      });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}
