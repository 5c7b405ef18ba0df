import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_LENGTH, ResponseTokens, type TokenClaims } from '../../shared/domain/token/response-token.js';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const claims: TokenClaims = {
  id: ResponseTokens.newId(),
  sitekey: 'FCABCDEFGHIJKLMN',
  accountId: 'acct_abcdefghijkl',
  origin: 'https://shop.example',
  solvedAt: 1_700_000_000_000,
  expiresAt: 1_700_000_300_000,
  epoch: 'a1b2c3d4e5f60718',
};

describe('response tokens', () => {
  const tokens = new ResponseTokens(SECRET);

  it('round-trip their claims', () => {
    expect(tokens.verify(tokens.sign(claims))).toEqual(claims);
  });

  it('carry what was solved, keeping image tokens in their original seven fields', () => {
    for (const mode of ['pow', 'pow+image'] as const) expect(tokens.verify(tokens.sign({ ...claims, mode }))).toEqual({ ...claims, mode });
    const image = tokens.sign({ ...claims, mode: 'image' });
    expect(image).toBe(tokens.sign(claims));
    const fields = JSON.parse(Buffer.from(image.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown[];
    expect(fields).toHaveLength(7);
  });

  it('reject an unknown mode even when signed', () => {
    const body = Buffer.from(JSON.stringify([claims.id, claims.sitekey, claims.accountId, claims.origin, claims.solvedAt, claims.expiresAt, claims.epoch, 'free'])).toString('base64url');
    const signature = createHmac('sha256', SECRET).update(`v1.${body}`).digest('base64url');
    expect(tokens.verify(`v1.${body}.${signature}`)).toBeUndefined();
  });

  it('stay well under the length bound, even with a long origin', () => {
    const long = tokens.sign({ ...claims, origin: `https://${'a'.repeat(240)}.example` });
    expect(long.length).toBeLessThan(MAX_TOKEN_LENGTH);
  });

  it('reject tokens signed with another secret', () => {
    const other = new ResponseTokens('another-secret-of-thirty-two-characters!');
    expect(tokens.verify(other.sign(claims))).toBeUndefined();
  });

  it('reject any change to the claims or the signature', () => {
    const token = tokens.sign(claims);
    const [version, body, signature] = token.split('.') as [string, string, string];
    const changed = Buffer.from(JSON.stringify([claims.id, 'FCOTHERSITEKEY00', claims.accountId, claims.origin, claims.solvedAt, claims.expiresAt, claims.epoch])).toString('base64url');
    expect(tokens.verify(`${version}.${changed}.${signature}`)).toBeUndefined();
    expect(tokens.verify(`${version}.${body}.${signature.slice(0, -2)}AA`)).toBeUndefined();
    expect(tokens.verify(`v2.${body}.${signature}`)).toBeUndefined();
    expect(tokens.verify(`${token}.more`)).toBeUndefined();
  });

  it('reject malformed and oversized input without throwing', () => {
    for (const junk of ['', '.', 'v1..', 'v1.%%%.%%%', 'v1.e30.', 'x'.repeat(MAX_TOKEN_LENGTH + 1)]) {
      expect(tokens.verify(junk)).toBeUndefined();
    }
  });

  it('decode strictly: white space, padding or foreign characters make a token invalid', () => {
    const token = tokens.sign(claims);
    const [version, body, signature] = token.split('.') as [string, string, string];
    for (const variant of [`${token} `, ` ${token}`, `${token}\n`, `${version}.${body}.${signature}=`, `${version}.${body}=.${signature}`, `${version}.${body.slice(0, 4)}+${body.slice(4)}.${signature}`]) {
      expect(tokens.verify(variant), JSON.stringify(variant)).toBeUndefined();
    }
  });

  it('refuse a short secret', () => {
    expect(() => new ResponseTokens('short')).toThrow(RangeError);
  });

  it('have random, unrelated ids', () => {
    const ids = new Set(Array.from({ length: 500 }, () => ResponseTokens.newId()));
    expect(ids.size).toBe(500);
    for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(16);
  });
});
