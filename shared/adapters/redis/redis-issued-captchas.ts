import type { IssuedCaptchas } from '../../domain/captcha/ports.js';
import { rethrowAsUnavailable } from '../../domain/errors.js';
import type { RedisClient } from './client.js';
import type { Keyspace } from './keys.js';

/** Issued captchas as one string key each, expiring with the captcha (written by RedisPool.issueFrom). */
export class RedisIssuedCaptchas implements IssuedCaptchas {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  // try/await rather than .catch(): one promise less on the request path.
  async read(id: string): Promise<Buffer | undefined> {
    try {
      return (await this.redis.getBuffer(this.keys.captcha(id))) ?? undefined;
    } catch (error) {
      return rethrowAsUnavailable(error);
    }
  }

  async store(id: string, entry: Buffer, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.captcha(id), entry, 'EX', ttlSeconds).catch(rethrowAsUnavailable);
  }

  async take(id: string): Promise<Buffer | undefined> {
    try {
      return (await this.redis.getdelBuffer(this.keys.captcha(id))) ?? undefined;
    } catch (error) {
      return rethrowAsUnavailable(error);
    }
  }
}
