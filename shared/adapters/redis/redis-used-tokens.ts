import { rethrowAsUnavailable } from '../../domain/errors.js';
import type { MarkResult, UsedTokens } from '../../domain/sites/ports.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

/** One script call per verification (mark-token-used-1.lua): only the first caller for a token id wins, on any pod. */
export class RedisUsedTokens implements UsedTokens {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  async markUsed(tokenId: string, ttlSeconds: number, fingerprint: string | undefined, now: number): Promise<MarkResult> {
    const [code, first] = await this.redis
      .markTokenUsed(this.keys.usedToken(tokenId), fingerprint ?? '-', ttlSeconds, now)
      .catch(rethrowAsUnavailable);
    if (code === 1) return { kind: 'first' };
    if (code === 2) return { kind: 'retry', firstVerifiedAt: first };
    return { kind: 'duplicate' };
  }
}
