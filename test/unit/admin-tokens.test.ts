import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/runtime/config.js';
import { AdminTokens, MAX_ADMIN_TOKEN_LENGTH } from '../../shared/domain/sites/admin-tokens.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const TOKEN = 'dGhpcyBpcyBhIHRlc3QgdG9rZW4gb2YgMzIgYnl0ZXMhIQ';
const NEXT = 'YW5vdGhlciB0ZXN0IHRva2VuLCBmb3IgdGhlIHJvdGF0aW9u';

describe('AdminTokens', () => {
  it('knows a token by its hash and names it by the hash\'s first 12 hex digits', () => {
    const tokens = new AdminTokens([sha256(TOKEN)]);
    expect(tokens.enabled).toBe(true);
    expect(tokens.identify(TOKEN)).toBe(`token:${sha256(TOKEN).slice(0, 12)}`);
    expect(tokens.identify(NEXT)).toBeUndefined();
    expect(tokens.identify(TOKEN.slice(0, -1))).toBeUndefined();
    expect(tokens.identify(`${TOKEN} `)).toBeUndefined();
    // The hash itself is not a token.
    expect(tokens.identify(sha256(TOKEN))).toBeUndefined();
  });

  it('accepts every configured token during a rotation, each under its own id', () => {
    const tokens = new AdminTokens([sha256(TOKEN), sha256(NEXT)]);
    expect(tokens.identify(TOKEN)).toBe(`token:${sha256(TOKEN).slice(0, 12)}`);
    expect(tokens.identify(NEXT)).toBe(`token:${sha256(NEXT).slice(0, 12)}`);
  });

  it('refuses empty and overlong tokens, and everything when none is configured', () => {
    const tokens = new AdminTokens([sha256(''), sha256('x'.repeat(MAX_ADMIN_TOKEN_LENGTH + 1))]);
    expect(tokens.identify('')).toBeUndefined();
    expect(tokens.identify('x'.repeat(MAX_ADMIN_TOKEN_LENGTH + 1))).toBeUndefined();
    const none = new AdminTokens([]);
    expect(none.enabled).toBe(false);
    expect(none.identify(TOKEN)).toBeUndefined();
  });
});

describe('ADMIN_TOKEN_SHA256', () => {
  it('is off by default and reads one or more digests, in any case', () => {
    expect(loadConfig({}).adminTokenSha256).toEqual([]);
    const upper = sha256(TOKEN).toUpperCase();
    expect(loadConfig({ ADMIN_TOKEN_SHA256: ` ${upper} , ${sha256(NEXT)}` }).adminTokenSha256).toEqual([sha256(TOKEN), sha256(NEXT)]);
  });

  it('refuses anything but SHA-256 digests, and the digest of an empty token', () => {
    for (const bad of [TOKEN, sha256(TOKEN).slice(1), `${sha256(TOKEN)},`, sha256('')]) {
      expect(() => loadConfig({ ADMIN_TOKEN_SHA256: bad }), bad).toThrow(ConfigError);
    }
  });
});
