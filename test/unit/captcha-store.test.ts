import { beforeEach, describe, expect, it } from 'vitest';
import { encodeEntry } from '../../shared/domain/captcha/captcha-entry.js';
import { CaptchaStore } from '../../shared/domain/captcha/captcha-store.js';
import { PoolPolicy } from '../../shared/domain/captcha/pool-policy.js';
import { AppError } from '../../shared/domain/errors.js';
import { FakeClock, MemoryIssued, MemoryPool, RecordingRefills } from '../support/fakes.js';

const png = Buffer.from('89504e47', 'hex');
const pooled = (answer: string): Buffer => encodeEntry({ answer, difficulty: 'normal', png, binding: '' });

describe('CaptchaStore', () => {
  let clock: FakeClock;
  let pool: MemoryPool;
  let issued: MemoryIssued;
  let refills: RecordingRefills;
  let store: CaptchaStore;

  beforeEach(() => {
    clock = new FakeClock();
    issued = new MemoryIssued(clock);
    pool = new MemoryPool(issued);
    refills = new RecordingRefills();
    store = new CaptchaStore({
      pool,
      issued,
      refills,
      policy: new PoolPolicy(2, 20, 8),
      clock,
      ttlSeconds: 300,
      poolWaitMs: 2000,
    });
  });

  it('issues a pooled captcha under a fresh id and shows its image', async () => {
    await pool.push(0, [pooled('AC3FH7')]);
    const captcha = await store.issue();
    expect(captcha.id).toMatch(/^[0-9a-f]{40}$/);
    expect(captcha.issuedAt).toBe(clock.now());
    expect((await store.image(captcha.id))?.equals(png)).toBe(true);
    expect(await pool.depth(0)).toBe(0);
  });

  it('accepts the right answer once, ignoring case and white space', async () => {
    await pool.push(1, [pooled('AC3FH7')]);
    const { id, issuedAt } = await store.issue();
    expect(await store.check(id, ' ac3fh7 ')).toEqual({ outcome: 'match', binding: '', difficulty: 'normal', issuedAt, answeredAfterMs: 0 });
    expect(await store.check(id, 'AC3FH7')).toEqual({ outcome: 'unknown' });
    expect(await store.image(id)).toBeUndefined();
  });

  it('consumes the captcha on a wrong answer', async () => {
    await pool.push(0, [pooled('AC3FH7')]);
    const { id } = await store.issue();
    expect((await store.check(id, 'WRONG1')).outcome).toBe('mismatch');
    expect(await store.check(id, 'AC3FH7')).toEqual({ outcome: 'unknown' });
  });

  it('forgets a captcha when its time to live runs out', async () => {
    await pool.push(0, [pooled('AC3FH7')]);
    const { id } = await store.issue();
    clock.advance(300_000);
    expect(await store.image(id)).toBeUndefined();
    expect(await store.check(id, 'AC3FH7')).toEqual({ outcome: 'unknown' });
  });

  it('keeps binding data with the answer and hands it back on check', async () => {
    await pool.push(0, [pooled('AC3FH7')]);
    const { id } = await store.issue('site-a|https://a.example');
    expect(await store.check(id, 'AC3FH7')).toMatchObject({ outcome: 'match', binding: 'site-a|https://a.example' });
  });

  it('tells a check when the captcha was issued and at what difficulty, for solve-time telemetry', async () => {
    await pool.push(0, [encodeEntry({ answer: 'AC3FH7', difficulty: 'hard', png, binding: '' })]);
    const { id, issuedAt } = await store.issue('binding');
    clock.advance(4_250);
    expect(await store.check(id, 'wrong')).toEqual({ outcome: 'mismatch', binding: 'binding', difficulty: 'hard', issuedAt, answeredAfterMs: 4_250 });
  });

  it('finds captchas in any shard', async () => {
    await pool.push(1, [pooled('AC3FH7')]);
    for (let i = 0; i < 5; i++) await pool.push(1, [pooled('AC3FH7')]);
    for (let i = 0; i < 6; i++) await store.issue();
    expect(await pool.depths(2)).toEqual([0, 0]);
  });

  it('asks for a refill when a shard drops below its low watermark, once per throttle window', async () => {
    const oneShard = new CaptchaStore({ pool, issued, refills, policy: new PoolPolicy(1, 10, 4), clock, ttlSeconds: 300, poolWaitMs: 0 });
    await pool.push(0, Array.from({ length: 6 }, () => pooled('AC3FH7')));
    await oneShard.issue();
    await oneShard.issue();
    expect(refills.requests).toEqual([]);
    await oneShard.issue(); // 3 left, below the watermark of 4
    await oneShard.issue();
    expect(refills.requests).toEqual([{ shard: 0 }]);
    clock.advance(1000);
    await oneShard.issue();
    expect(refills.requests).toEqual([{ shard: 0 }, { shard: 0 }]);
  });

  it('waits a bounded time on an empty pool, then fails with a 503 and Retry-After', async () => {
    const started = clock.now();
    const error = await store.issue().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(503);
    expect((error as AppError).code).toBe('pool_exhausted');
    expect((error as AppError).headers['Retry-After']).toBe('2');
    expect(clock.now() - started).toBe(2000);
    expect(new Set(refills.requests.map((r) => r.shard))).toEqual(new Set([0, 1]));
  });

  it('issues a captcha rendered while it waits', async () => {
    const sleep = clock.sleep.bind(clock);
    let slept = 0;
    clock.sleep = async (ms) => {
      if (++slept === 3) await pool.push(1, [pooled('AC3FH7')]);
      await sleep(ms);
    };
    const { id } = await store.issue();
    expect((await store.check(id, 'AC3FH7')).outcome).toBe('match');
  });

});
