import { randomBytes } from 'node:crypto';
import { storeUnavailable } from '../../domain/errors.js';
import type { DataEpoch } from '../../domain/sites/ports.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

const RETRY_MS = 1000;

/**
 * Redis's data epoch, re-read on every (re)connection: a Redis that restarted
 * empty gets a new random epoch, and tokens of the old one stop verifying.
 * Until it is read after a reconnect, verification answers 503 rather than
 * risk accepting a token whose single-use marker was lost.
 */
export class RedisEpoch implements DataEpoch {
  private value: string | undefined;
  private lastAttempt = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    private readonly onError: (error: unknown) => void,
  ) {
    redis.on('close', () => {
      this.value = undefined;
    });
    redis.on('ready', () => {
      this.lastAttempt = Date.now();
      this.refresh().catch(onError);
    });
  }

  async refresh(): Promise<void> {
    await this.redis.set(this.keys.epoch, randomBytes(8).toString('hex'), 'NX');
    this.value = (await this.redis.get(this.keys.epoch)) ?? undefined;
  }

  current(): string {
    if (this.value === undefined) {
      // The read on reconnect can fail (a new primary that refuses writes until its replica is back):
      // try again, at most once a second, while requests need it.
      if (Date.now() - this.lastAttempt >= RETRY_MS) {
        this.lastAttempt = Date.now();
        this.refresh().catch(this.onError);
      }
      throw storeUnavailable();
    }
    return this.value;
  }
}
