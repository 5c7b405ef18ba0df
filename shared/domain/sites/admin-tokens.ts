import { createHash, timingSafeEqual } from 'node:crypto';

/** Longer bearer tokens are refused unhashed: no real token is this long. */
export const MAX_ADMIN_TOKEN_LENGTH = 512;

/**
 * The admin API's bearer tokens, known only by their SHA-256: the service
 * never holds a token, so its configuration (a Kubernetes Secret, an
 * environment) gives nobody admin access. Tokens are random (256 bits), so a
 * plain SHA-256 is a safe storage hash, as for API keys.
 */
export class AdminTokens {
  private readonly hashes: readonly Buffer[];

  /** `sha256Hexes`: the digests from ADMIN_TOKEN_SHA256, several during a rotation. */
  constructor(sha256Hexes: readonly string[]) {
    this.hashes = sha256Hexes.map((hex) => Buffer.from(hex, 'hex'));
  }

  get enabled(): boolean {
    return this.hashes.length > 0;
  }

  /**
   * The id of the token presented ("token:" and the first 12 hex digits of its
   * hash, as the audit log names it), or undefined. Every configured hash is
   * compared, each in constant time, whichever matches.
   */
  identify(token: string): string | undefined {
    if (token === '' || token.length > MAX_ADMIN_TOKEN_LENGTH) return undefined;
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let match: Buffer | undefined;
    for (const hash of this.hashes) {
      if (timingSafeEqual(presented, hash)) match = hash;
    }
    return match && `token:${match.toString('hex').slice(0, 12)}`;
  }
}
