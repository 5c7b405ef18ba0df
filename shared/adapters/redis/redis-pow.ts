import { rethrowAsUnavailable } from '../../domain/errors.js';
import type { ClientSignal, SignalWindows } from '../../domain/pow/pow-policy.js';
import type { ClientSignals, UsedPuzzles } from '../../domain/pow/ports.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

/** One script call per redeemed puzzle (mark-puzzle-used-1.lua): only the first caller wins, on any pod. */
export class RedisUsedPuzzles implements UsedPuzzles {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async markUsed(puzzleId: string, ttlSeconds: number): Promise<boolean> {
    const first = await this.redis.markPuzzleUsed(this.keys.usedPuzzle(puzzleId), Math.max(1, Math.ceil(ttlSeconds))).catch(rethrowAsUnavailable);
    return first === 1;
  }
}

/** One small hash per client, one script call per signal (count-client-signal-1.lua); it expires two windows after its last count. */
export class RedisClientSignals implements ClientSignals {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async record(client: string, signal: ClientSignal | undefined, now: number, windowMs: number): Promise<SignalWindows> {
    const [challenge, challengeBefore, failure, failureBefore, fast, fastBefore] = await this.redis
      .countClientSignal(this.keys.clientSignals(client), signal ?? '', now, windowMs)
      .catch(rethrowAsUnavailable);
    return {
      current: { challenge, failure, fast },
      previous: { challenge: challengeBefore, failure: failureBefore, fast: fastBefore },
    };
  }
}
