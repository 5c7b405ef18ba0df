/**
 * Solves the service's proof-of-work puzzles (ALTCHA v2, SHA-256, one round):
 * finds the counter whose SHA-256(salt ‖ nonce ‖ counter as 4 big-endian
 * bytes) starts with the puzzle's key prefix. WebCrypto only, so it runs in a
 * Web Worker, on the page as a fallback, and in Node for tests.
 */

/** One solver's share of a puzzle: counters start, start + step, … up to end. */
export interface PuzzleTask {
  readonly salt: string;
  readonly nonce: string;
  readonly keyPrefix: string;
  readonly start: number;
  readonly step: number;
  readonly end: number;
}

export interface PuzzleSolution {
  readonly counter: number;
  readonly derivedKey: string;
}

/** What a solver worker posts back. */
export type SolverMessage =
  | { readonly type: 'progress'; readonly tried: number }
  | ({ readonly type: 'solved' } & PuzzleSolution)
  | { readonly type: 'exhausted' };

/** Digests in flight at once: WebCrypto answers asynchronously, so a few overlap its per-call overhead. */
const BATCH = 16;
const PROGRESS_INTERVAL_MS = 100;

export async function solvePuzzle(
  task: PuzzleTask,
  onProgress: (tried: number) => void = () => undefined,
  stopped: () => boolean = () => false,
): Promise<PuzzleSolution | undefined> {
  const salt = fromHex(task.salt);
  const nonce = fromHex(task.nonce);
  const prefix = fromHex(task.keyPrefix);
  const input = (counter: number): Uint8Array<ArrayBuffer> => {
    const bytes = new Uint8Array(salt.length + nonce.length + 4);
    bytes.set(salt, 0);
    bytes.set(nonce, salt.length);
    new DataView(bytes.buffer).setUint32(salt.length + nonce.length, counter, false);
    return bytes;
  };
  let tried = 0;
  let reported = Date.now();
  for (let first = task.start; first <= task.end; first += task.step * BATCH) {
    if (stopped()) return undefined;
    const counters: number[] = [];
    for (let counter = first; counters.length < BATCH && counter <= task.end; counter += task.step) counters.push(counter);
    const digests = await Promise.all(counters.map((counter) => crypto.subtle.digest('SHA-256', input(counter))));
    for (let i = 0; i < digests.length; i++) {
      const digest = new Uint8Array(digests[i]);
      if (startsWith(digest, prefix)) return { counter: counters[i], derivedKey: toHex(digest) };
    }
    tried += counters.length;
    if (Date.now() - reported >= PROGRESS_INTERVAL_MS) {
      reported = Date.now();
      onProgress(tried);
    }
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += bytes[i].toString(16).padStart(2, '0');
  return hex;
}
