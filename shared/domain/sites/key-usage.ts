import type { Clock } from '../clock.js';
import type { SiteRepository } from './ports.js';

export interface KeyUsageOptions {
  readonly repository: Pick<SiteRepository, 'recordKeyUse'>;
  readonly clock: Clock;
  /** A key's last use is written at most once per this interval by one process. */
  readonly intervalMs: number;
  /** Keys remembered at once; beyond it, the ones written longest ago are forgotten (and may be written again early). */
  readonly maxTracked: number;
  readonly onError: (error: unknown) => void;
}

/** One write per key per minute per API process: "last used" is accurate to about a minute. */
export const KEY_USE_INTERVAL_MS = 60_000;

/**
 * Keeps each API key's "last used" time current without slowing siteverify
 * down: the write is not awaited (a failure is only reported), and each
 * process writes a key's use at most once per interval, so a key verifying
 * thousands of tokens a second costs one small write a minute per pod.
 */
export class KeyUsage {
  /** Key → when this process last wrote its use, oldest first (an entry moves to the end when written again). */
  private readonly written = new Map<string, number>();

  constructor(private readonly options: KeyUsageOptions) {}

  /** Notes that a key authenticated just now. Returns at once. */
  used(accountId: string, keyId: string): void {
    const now = this.options.clock.now();
    const id = `${accountId}/${keyId}`;
    const last = this.written.get(id);
    if (last !== undefined && now - last < this.options.intervalMs) return;
    this.written.delete(id);
    this.forgetOldest(now);
    this.written.set(id, now);
    this.options.repository.recordKeyUse(accountId, keyId, now).catch(this.options.onError);
  }

  private forgetOldest(now: number): void {
    for (const [id, at] of this.written) {
      if (this.written.size < this.options.maxTracked && now - at < this.options.intervalMs) return;
      this.written.delete(id);
    }
  }
}
