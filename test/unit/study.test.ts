import { beforeEach, describe, expect, it } from 'vitest';
import { CaptchaStore } from '../../shared/domain/captcha/captcha-store.js';
import type { Difficulty } from '../../shared/domain/captcha/difficulty.js';
import { PoolPolicy } from '../../shared/domain/captcha/pool-policy.js';
import { Study, type StudyAnswer } from '../../shared/domain/study/study.js';
import { FakeClock, MemoryIssued, MemoryPool, RecordingRefills } from '../support/fakes.js';

describe('the reading study', () => {
  let clock: FakeClock;
  let study: Study;
  let observed: StudyAnswer[];
  const levels: Difficulty[] = ['hard', 'easy', 'normal'];
  const rendered: { difficulty: Difficulty; answer: string }[] = [];

  beforeEach(() => {
    clock = new FakeClock();
    const issued = new MemoryIssued(clock);
    const store = new CaptchaStore({ pool: new MemoryPool(issued), issued, refills: new RecordingRefills(), policy: new PoolPolicy(1, 10, 2), clock, ttlSeconds: 300, poolWaitMs: 0 });
    observed = [];
    let turn = 0;
    study = new Study(
      store,
      (difficulty) => {
        const answer = `${difficulty.slice(0, 1).toUpperCase()}${String(rendered.length).padStart(5, '0')}`;
        rendered.push({ difficulty, answer });
        return Promise.resolve({ answer, png: Buffer.from(`png of ${answer}`) });
      },
      (answer) => observed.push(answer),
      () => levels[turn++ % levels.length] ?? 'normal',
    );
  });

  it('issues captchas of the picked difficulty and checks each once, reporting level and time', async () => {
    const first = await study.next();
    expect(first.id).toMatch(/^[0-9a-f]{40}$/);
    const { answer } = rendered.at(-1) ?? { answer: '' };
    expect(first.png.toString()).toBe(`png of ${answer}`);
    clock.advance(3_500);
    expect(await study.answer(first.id, answer.toLowerCase())).toEqual({ correct: true, difficulty: 'hard', seconds: 3.5 });
    expect(await study.answer(first.id, answer)).toBeUndefined();
    const second = await study.next();
    clock.advance(1_000);
    expect(await study.answer(second.id, 'WRONG')).toEqual({ correct: false, difficulty: 'easy', seconds: 1 });
    expect(observed).toHaveLength(2);
  });

  it('treats junk ids as unknown and reports nothing for them', async () => {
    expect(await study.answer('not-an-id', 'x')).toBeUndefined();
    expect(await study.answer('f'.repeat(40), 'x')).toBeUndefined();
    expect(observed).toEqual([]);
  });
});
