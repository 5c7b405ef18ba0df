import type { ClientSignal, SignalWindows } from './pow-policy.js';

/** Per-client counters in fixed windows of `windowMs`, shared by every pod. */
export interface ClientSignals {
  /** Counts one `signal` (none: only reads) for the client at `now`, and returns its two latest windows. */
  record(client: string, signal: ClientSignal | undefined, now: number, windowMs: number): Promise<SignalWindows>;
}

/** Remembers which puzzles were redeemed. */
export interface UsedPuzzles {
  /** True for the first call with a puzzle id, on any pod; false for every later one. */
  markUsed(puzzleId: string, ttlSeconds: number): Promise<boolean>;
}
