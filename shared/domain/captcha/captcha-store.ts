import type { Clock } from '../clock.js';
import { poolExhausted } from '../errors.js';
import { answerMatches } from './answer.js';
import { decodeEntry, encodeEntry } from './captcha-entry.js';
import { newCaptchaId } from './captcha-id.js';
import type { Difficulty } from './difficulty.js';
import type { PoolObserver } from './ports.js';
import type { PoolPolicy } from './pool-policy.js';
import type { IssuedCaptchas, PoolIssue, PoolReader, RefillRequester } from './ports.js';

export interface IssuedCaptcha {
  readonly id: string;
  /** When the captcha's time to live started (ms since the epoch). */
  readonly issuedAt: number;
}

/** An issued captcha with its image, for callers that show it at once. */
export interface IssuedImage extends IssuedCaptcha {
  readonly png: Buffer;
}

/** What a check learns about the captcha it consumed, for the caller and for telemetry. */
export interface CheckedCaptcha {
  readonly binding: string;
  readonly difficulty: Difficulty;
  /** When it was issued (ms since the epoch). */
  readonly issuedAt: number;
  /** Time from issue to this check: people need seconds, solvers milliseconds. */
  readonly answeredAfterMs: number;
}

/** A live captcha read without being consumed. */
export interface PeekedCaptcha {
  readonly answer: string;
  /** The issuer's binding (empty for the classic API). */
  readonly binding: string;
}

export type CheckResult =
  | ({ readonly outcome: 'match' } & CheckedCaptcha)
  | ({ readonly outcome: 'mismatch' } & CheckedCaptcha)
  /** Never issued, already tried, or expired: these are indistinguishable by design. */
  | { readonly outcome: 'unknown' };

export interface CaptchaStoreOptions {
  readonly pool: PoolReader;
  readonly issued: IssuedCaptchas;
  readonly refills: RefillRequester;
  readonly policy: PoolPolicy;
  readonly clock: Clock;
  readonly ttlSeconds: number;
  /** How long issue() waits for an on-demand render when every shard is empty. */
  readonly poolWaitMs: number;
  readonly pollIntervalMs?: number;
  /** Least time between two refill requests for one shard from this process. */
  readonly refillThrottleMs?: number;
  readonly observer?: PoolObserver;
  /** Called when a background refill request fails; issuing goes on regardless. */
  readonly onRefillError?: (error: unknown) => void;
}

/**
 * The captcha lifecycle: take a prerendered captcha from the pool, issue it
 * under a fresh id, show its image, and check an answer exactly once.
 */
export class CaptchaStore {
  private readonly lastRefillRequest = new Map<number, number>();
  private readonly pollIntervalMs: number;
  private readonly refillThrottleMs: number;

  constructor(private readonly options: CaptchaStoreOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.refillThrottleMs = options.refillThrottleMs ?? 1000;
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  /**
   * Issues a pooled captcha, whose image the client fetches by its id.
   * `binding` is opaque context kept with the answer and handed back by
   * check(). Throws a 503 AppError when the pool stays empty for the whole wait.
   */
  async issue(binding = ''): Promise<IssuedCaptcha> {
    const { id, issuedAt } = await this.issuePooled(binding, false);
    return { id, issuedAt };
  }

  /** Issues a pooled captcha, as issue() does, with its image. */
  async issueWithImage(binding = ''): Promise<IssuedImage> {
    const { id, issuedAt, png } = await this.issuePooled(binding, true);
    if (!png) throw new Error('the pool returned no entry');
    return { id, issuedAt, png };
  }

  private async issuePooled(binding: string, withImage: boolean): Promise<IssuedCaptcha & { png?: Buffer }> {
    const { policy, clock, poolWaitMs } = this.options;
    const deadline = clock.now() + poolWaitMs;
    let waited = false;
    for (;;) {
      const issuedAt = clock.now();
      const issued = await this.issueFromAnyShard(stampBinding(issuedAt, binding), withImage);
      if (issued && !withImage) return { id: issued.id, issuedAt };
      const entry = issued?.entry ? decodeEntry(issued.entry) : undefined;
      if (issued && entry) return { id: issued.id, issuedAt, png: entry.png };
      if (issued) continue; // a malformed entry cannot be checked and expires unseen; try the next
      for (const shard of policy.shardOrder(0)) this.requestRefill(shard, true);
      if (!waited) this.options.observer?.waited();
      waited = true;
      const left = deadline - clock.now();
      if (left <= 0) {
        this.options.observer?.exhausted();
        throw poolExhausted(Math.max(1, Math.ceil(poolWaitMs / 1000)));
      }
      await clock.sleep(Math.min(this.pollIntervalMs, left));
    }
  }

  /**
   * Issues a captcha rendered on demand rather than taken from the pool (the
   * study page draws every difficulty, while the pool holds one). Same id,
   * lifetime and single check as any other.
   */
  async issueRendered(captcha: { readonly answer: string; readonly difficulty: Difficulty; readonly png: Buffer }, binding = ''): Promise<IssuedImage> {
    const issuedAt = this.options.clock.now();
    const id = newCaptchaId();
    await this.options.issued.store(id, encodeEntry({ ...captcha, binding: stampBinding(issuedAt, binding) }), this.options.ttlSeconds);
    return { id, issuedAt, png: captcha.png };
  }

  /** The PNG of a live captcha; undefined when unknown, used or expired. */
  async image(id: string): Promise<Buffer | undefined> {
    const stored = await this.options.issued.read(id);
    return stored ? decodeEntry(stored)?.png : undefined;
  }

  /**
   * The answer and binding of a live captcha, without consuming it: what its
   * audio is spoken from, on request. Undefined when unknown, used or expired.
   */
  async peek(id: string): Promise<PeekedCaptcha | undefined> {
    const stored = await this.options.issued.read(id);
    const entry = stored ? decodeEntry(stored) : undefined;
    const stamped = entry ? readStamp(entry.binding) : undefined;
    return entry && stamped ? { answer: entry.answer, binding: stamped.binding } : undefined;
  }

  /** Consumes the captcha whatever the answer: one attempt per captcha. */
  async check(id: string, typed: string): Promise<CheckResult> {
    const stored = await this.options.issued.take(id);
    const entry = stored ? decodeEntry(stored) : undefined;
    const stamped = entry ? readStamp(entry.binding) : undefined;
    if (!entry || !stamped) return { outcome: 'unknown' };
    return {
      outcome: answerMatches(entry.answer, typed) ? 'match' : 'mismatch',
      binding: stamped.binding,
      difficulty: entry.difficulty,
      issuedAt: stamped.issuedAt,
      answeredAfterMs: Math.max(0, this.options.clock.now() - stamped.issuedAt),
    };
  }

  private async issueFromAnyShard(binding: string, withEntry: boolean): Promise<PoolIssue['issued']> {
    const { policy, pool, ttlSeconds } = this.options;
    // Where to start only spreads concurrent takers over the shards; it need not be unpredictable.
    for (const shard of policy.shardOrder(Math.floor(Math.random() * policy.shards))) {
      const { issued, remaining } = await pool.issueFrom(shard, binding, ttlSeconds, withEntry);
      if (policy.needsRefill(remaining)) this.requestRefill(shard, false);
      if (issued) return issued;
    }
    return undefined;
  }

  private requestRefill(shard: number, urgent: boolean): void {
    const now = this.options.clock.now();
    const last = this.lastRefillRequest.get(shard);
    const throttle = urgent ? this.refillThrottleMs / 4 : this.refillThrottleMs;
    if (last !== undefined && now - last < throttle) return;
    this.lastRefillRequest.set(shard, now);
    this.options.refills.requestRefill(shard).catch((error: unknown) => {
      this.lastRefillRequest.delete(shard);
      this.options.onRefillError?.(error);
    });
  }
}


/**
 * The issue time travels with the captcha, ahead of the caller's binding, so
 * a check can tell how long the answer took without another Redis round trip.
 */
export function stampBinding(issuedAt: number, binding: string): string {
  return `${issuedAt.toString(36)}|${binding}`;
}

function readStamp(stamped: string): { issuedAt: number; binding: string } | undefined {
  const separator = stamped.indexOf('|');
  const issuedAt = separator > 0 ? parseInt(stamped.slice(0, separator), 36) : Number.NaN;
  return Number.isFinite(issuedAt) ? { issuedAt, binding: stamped.slice(separator + 1) } : undefined;
}
