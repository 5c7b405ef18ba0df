import { beforeEach, describe, expect, it } from 'vitest';
import { AudioCaptchas } from '../../shared/domain/audio/audio-captchas.js';
import { decodeWav } from '../../shared/domain/audio/wav.js';
import { encodeEntry } from '../../shared/domain/captcha/captcha-entry.js';
import { CaptchaStore } from '../../shared/domain/captcha/captcha-store.js';
import { PoolPolicy } from '../../shared/domain/captcha/pool-policy.js';
import { AppError } from '../../shared/domain/errors.js';
import { FakeClock, MemoryIssued, MemoryPool, RecordingRefills } from '../support/fakes.js';
import { syntheticClips } from '../support/synthetic-clips.js';

const png = Buffer.from('89504e47', 'hex');
const pooled = (answer: string): Buffer => encodeEntry({ answer, difficulty: 'normal', png, binding: '' });

describe('audio of a live captcha', () => {
  let pool: MemoryPool;
  let store: CaptchaStore;
  let audio: AudioCaptchas;

  beforeEach(() => {
    const clock = new FakeClock();
    const issued = new MemoryIssued(clock);
    pool = new MemoryPool(issued);
    store = new CaptchaStore({ pool, issued, refills: new RecordingRefills(), policy: new PoolPolicy(1, 20, 8), clock, ttlSeconds: 300, poolWaitMs: 0 });
    audio = new AudioCaptchas(store, syntheticClips());
  });

  it('peeks at the answer and binding without consuming the captcha', async () => {
    await pool.push(0, [pooled('AC3FH7')]);
    const { id } = await store.issue('["FCSITE","https://shop.example"]');
    expect(await store.peek(id)).toEqual({ answer: 'AC3FH7', binding: '["FCSITE","https://shop.example"]' });
    expect(await store.peek(id)).toBeDefined();
    expect((await store.check(id, 'AC3FH7')).outcome).toBe('match');
    expect(await store.peek(id)).toBeUndefined();
  });

  it('speaks a live captcha afresh on every request and leaves it to be checked', async () => {
    await pool.push(0, [pooled('AC3FH7')]);
    const { id } = await store.issue();
    const first = await audio.audio(id);
    const second = await audio.audio(id);
    expect(first && decodeWav(first).sampleRate).toBe(8000);
    expect(first?.equals(second ?? Buffer.alloc(0))).toBe(false);
    expect((await store.check(id, 'ac3fh7')).outcome).toBe('match');
    expect(await audio.audio(id)).toBeUndefined();
  });

  it('says nothing of unknown captchas or of ones whose binding is refused', async () => {
    await pool.push(0, [pooled('AC3FH7')]);
    const { id } = await store.issue('other-site');
    expect(await audio.audio('0'.repeat(40))).toBeUndefined();
    expect(await audio.audio(id, (binding) => binding === 'this-site')).toBeUndefined();
    expect(await audio.audio(id, (binding) => binding === 'other-site')).toBeInstanceOf(Buffer);
  });

  it('answers 503 audio_unavailable when the speech clips were not built', async () => {
    const without = new AudioCaptchas(store, undefined);
    await expect(without.audio('0'.repeat(40))).rejects.toSatisfy(
      (error: unknown) => error instanceof AppError && error.status === 503 && error.code === 'audio_unavailable',
    );
  });
});
