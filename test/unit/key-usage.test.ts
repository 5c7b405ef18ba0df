import { describe, expect, it } from 'vitest';
import { KeyUsage } from '../../shared/domain/sites/key-usage.js';
import { hashApiKey } from '../../shared/domain/sites/site.js';
import { ResponseTokens } from '../../shared/domain/token/response-token.js';
import { Siteverify } from '../../shared/domain/token/siteverify.js';
import { FakeClock, FixedEpoch, MemorySites, memorySiteAdmin, MemoryUsedTokens } from '../support/fakes.js';

/** A repository that only records the writes it was asked for, optionally failing or never answering. */
class RecordingUses {
  readonly writes: { accountId: string; keyId: string; atMs: number }[] = [];
  constructor(private readonly answer: 'ok' | 'fail' | 'never' = 'ok') {}
  recordKeyUse(accountId: string, keyId: string, atMs: number): Promise<void> {
    this.writes.push({ accountId, keyId, atMs });
    if (this.answer === 'fail') return Promise.reject(new Error('redis is down'));
    return this.answer === 'never' ? new Promise(() => undefined) : Promise.resolve();
  }
}

const usage = (repository: RecordingUses, clock: FakeClock, options: Partial<{ maxTracked: number; onError: (error: unknown) => void }> = {}) =>
  new KeyUsage({ repository, clock, intervalMs: 60_000, maxTracked: options.maxTracked ?? 1000, onError: options.onError ?? (() => undefined) });

describe('KeyUsage', () => {
  it('writes a key\'s first use at once, then at most once per interval', () => {
    const clock = new FakeClock();
    const uses = new RecordingUses();
    const keys = usage(uses, clock);
    keys.used('acct_a', 'k1');
    for (let second = 1; second < 60; second++) {
      clock.advance(1000);
      keys.used('acct_a', 'k1');
    }
    expect(uses.writes).toHaveLength(1);
    clock.advance(1000);
    keys.used('acct_a', 'k1');
    expect(uses.writes.map((write) => write.atMs - clock.now())).toEqual([-60_000, 0]);
  });

  it('counts each key apart', () => {
    const clock = new FakeClock();
    const uses = new RecordingUses();
    const keys = usage(uses, clock);
    for (const keyId of ['k1', 'k2', 'k1', 'k2', 'k3']) keys.used('acct_a', keyId);
    keys.used('acct_b', 'k1');
    expect(uses.writes.map((write) => `${write.accountId}/${write.keyId}`)).toEqual(['acct_a/k1', 'acct_a/k2', 'acct_a/k3', 'acct_b/k1']);
  });

  it('returns before the write answers, and reports a failed write without throwing', async () => {
    const clock = new FakeClock();
    const hanging = new RecordingUses('never');
    expect(() => usage(hanging, clock).used('acct_a', 'k1')).not.toThrow();
    expect(hanging.writes).toHaveLength(1);
    const errors: unknown[] = [];
    const failing = new RecordingUses('fail');
    usage(failing, clock, { onError: (error) => errors.push(error) }).used('acct_a', 'k1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('redis is down');
  });

  it('remembers at most maxTracked keys, forgetting the ones written longest ago', () => {
    const clock = new FakeClock();
    const uses = new RecordingUses();
    const keys = usage(uses, clock, { maxTracked: 3 });
    for (const keyId of ['k1', 'k2', 'k3', 'k4']) keys.used('acct_a', keyId);
    // k1 was forgotten to make room for k4, so it is written again; k4 is still remembered.
    keys.used('acct_a', 'k4');
    keys.used('acct_a', 'k1');
    expect(uses.writes.map((write) => write.keyId)).toEqual(['k1', 'k2', 'k3', 'k4', 'k1']);
  });
});

describe('Siteverify and key usage', () => {
  it('tells KeyUsage of each key that authenticates, by its id, and of no other', async () => {
    const clock = new FakeClock();
    const sites = new MemorySites();
    const { site, key } = await memorySiteAdmin(sites, clock).createSite({ name: 'shop', origins: ['https://shop.example'] });
    const used: string[] = [];
    const siteverify = new Siteverify({
      sites,
      keyUsage: { used: (accountId, keyId) => used.push(`${accountId}/${keyId}`) },
      tokens: new ResponseTokens('a-secret-of-at-least-thirty-two-characters'),
      usedTokens: new MemoryUsedTokens(),
      epoch: new FixedEpoch(),
      clock,
      retryWindowMs: 0,
    });
    await expect(siteverify.authenticate('cck_not-a-key')).rejects.toThrow();
    expect(used).toEqual([]);
    expect(await siteverify.authenticate(key?.apiKey)).toBe(site.accountId);
    expect(used).toEqual([`${site.accountId}/${key?.keyId}`]);
    expect(key?.keyId).toBe(hashApiKey(key?.apiKey ?? '').slice(0, 12));
  });
});
