import { beforeEach, describe, expect, it } from 'vitest';
import { encodeEntry } from '../../shared/domain/captcha/captcha-entry.js';
import { CaptchaStore } from '../../shared/domain/captcha/captcha-store.js';
import { PoolPolicy } from '../../shared/domain/captcha/pool-policy.js';
import type { PowPolicy } from '../../shared/domain/pow/pow-policy.js';
import { PowPuzzles, type PuzzleChallenge } from '../../shared/domain/pow/puzzle.js';
import type { SiteAdmin } from '../../shared/domain/sites/site-admin.js';
import type { Site } from '../../shared/domain/sites/site.js';
import { ResponseTokens } from '../../shared/domain/token/response-token.js';
import { Siteverify } from '../../shared/domain/token/siteverify.js';
import { WidgetChallenges } from '../../shared/domain/token/widget-challenges.js';
import { WidgetModes, type ModeChallenge } from '../../shared/domain/token/widget-modes.js';
import { FakeClock, FixedEpoch, MemoryClientSignals, MemoryIssued, MemoryPool, MemorySites, memorySiteAdmin, MemoryUsedPuzzles, MemoryUsedTokens, RecordingRefills } from '../support/fakes.js';
import { solveForTest } from '../../tooling/pow.js';

const SECRET = 'test-secret-that-is-long-enough-0123456789';
const ORIGIN = 'https://shop.example';
const CLIENT = '198.51.100.7';
const ANSWER = 'AC3FH7';
const POLICY: PowPolicy = {
  defaultWork: 1000,
  windowMs: 600_000,
  volumeStep: 5,
  stepUp: { challenges: 8, failures: 2, fastAnswers: 1 },
  fastAnswerMs: 1500,
};

describe('WidgetModes', () => {
  let clock: FakeClock;
  let pool: MemoryPool;
  let signals: MemoryClientSignals;
  let admin: SiteAdmin;
  let challenges: WidgetChallenges;
  let site: Site;
  let apiKey: string;
  let siteverify: Siteverify;
  const tokens = new ResponseTokens(SECRET);

  const modesWith = (policy: PowPolicy = POLICY): WidgetModes =>
    new WidgetModes({
      challenges,
      puzzles: new PowPuzzles(SECRET, clock, 300),
      usedPuzzles: new MemoryUsedPuzzles(),
      signals,
      policy,
      clock,
    });
  let modes: WidgetModes;

  beforeEach(async () => {
    clock = new FakeClock(Date.now());
    const issued = new MemoryIssued(clock);
    pool = new MemoryPool(issued);
    await pool.push(0, Array.from({ length: 20 }, () => encodeEntry({ answer: ANSWER, difficulty: 'normal', png: Buffer.from('png'), binding: '' })));
    const store = new CaptchaStore({ pool, issued, refills: new RecordingRefills(), policy: new PoolPolicy(1, 20, 0), clock, ttlSeconds: 300, poolWaitMs: 0 });
    const sites = new MemorySites();
    admin = memorySiteAdmin(sites, clock);
    const created = await admin.createSite({ name: 'shop', origins: [ORIGIN] });
    site = created.site;
    apiKey = created.key?.apiKey ?? '';
    signals = new MemoryClientSignals();
    challenges = new WidgetChallenges({ store, sites, tokens, epoch: new FixedEpoch(), clock, tokenTtlSeconds: 300 });
    siteverify = new Siteverify({ sites, keyUsage: { used: () => undefined }, tokens, usedTokens: new MemoryUsedTokens(), epoch: new FixedEpoch(), clock, retryWindowMs: 0 });
    modes = modesWith();
  });

  const inMode = async (mode: string, work?: number): Promise<Site> => {
    site = await admin.setMode(site.sitekey, mode);
    if (work !== undefined) site = await admin.setPowWork(site.sitekey, work);
    return site;
  };
  const puzzleOf = (challenge: ModeChallenge): { puzzle: PuzzleChallenge; work: number } => {
    if (challenge.mode === 'image') throw new Error('expected a puzzle');
    return challenge;
  };
  const solved = async (challenge: ModeChallenge) => {
    const { puzzle, work } = puzzleOf(challenge);
    return solveForTest(puzzle, work);
  };
  const verify = async (token: string) => siteverify.verify(await siteverify.authenticate(apiKey), { response: token });

  it('keeps today\'s image challenge in image mode, and takes no puzzle there', async () => {
    const challenge = await modes.challenge(site, ORIGIN, CLIENT);
    expect(challenge.mode).toBe('image');
    expect(signals.clients.size).toBe(0);
    const other = await inMode('pow');
    const payload = await solved(await modes.challenge(other, ORIGIN, CLIENT));
    site = await admin.setMode(site.sitekey, 'image');
    expect(await modes.prove(site, ORIGIN, CLIENT, payload, undefined)).toEqual({ solved: false, reason: 'challenge_expired' });
  });

  it('pow: turns a solved puzzle into a token that says so, once', async () => {
    await inMode('pow');
    const challenge = await modes.challenge(site, ORIGIN, CLIENT);
    expect(challenge).toMatchObject({ mode: 'pow', work: 1000 });
    expect('stepUp' in challenge).toBe(false);
    const payload = await solved(challenge);
    const outcome = await modes.prove(site, ORIGIN, CLIENT, payload, undefined);
    expect(outcome).toMatchObject({ solved: true, mode: 'pow' });
    if (!outcome.solved) throw new Error('the puzzle was not accepted');
    expect(await verify(outcome.token)).toMatchObject({ success: true, mode: 'pow', origin: ORIGIN });
    expect(await modes.prove(site, ORIGIN, CLIENT, payload, undefined)).toEqual({ solved: false, reason: 'challenge_expired' });
  });

  it('pow: uses the site\'s own work when it has one', async () => {
    await inMode('pow', 2500);
    expect(await modes.challenge(site, ORIGIN, CLIENT)).toMatchObject({ work: 2500 });
  });

  it('pow: refuses another site\'s or page\'s puzzle, an unsolved one and an expired one', async () => {
    await inMode('pow');
    const { site: otherSite } = await admin.createSite({ name: 'other', origins: [ORIGIN], accountId: site.accountId });
    const other = await admin.setMode(otherSite.sitekey, 'pow');
    const foreign = await solved(await modes.challenge(other, ORIGIN, CLIENT));
    expect(await modes.prove(site, ORIGIN, CLIENT, foreign, undefined)).toEqual({ solved: false, reason: 'puzzle_invalid' });
    const ours = await solved(await modes.challenge(site, ORIGIN, CLIENT));
    expect(await modes.prove(site, 'https://www.shop.example', CLIENT, ours, undefined)).toEqual({ solved: false, reason: 'puzzle_invalid' });
    const unsolved = { ...ours, solution: { counter: 1, derivedKey: 'ab'.repeat(32) } };
    expect(await modes.prove(site, ORIGIN, CLIENT, unsolved, undefined)).toEqual({ solved: false, reason: 'puzzle_invalid' });
    clock.advance(301_000);
    expect(await modes.prove(site, ORIGIN, CLIENT, ours, undefined)).toEqual({ solved: false, reason: 'challenge_expired' });
  });

  it('raises one client\'s work with its volume, not another\'s', async () => {
    await inMode('pow');
    const works: number[] = [];
    for (let i = 0; i < 11; i++) works.push(puzzleOf(await modes.challenge(site, ORIGIN, CLIENT)).work);
    expect(works.slice(0, 4)).toEqual([1000, 1000, 1000, 1000]);
    expect(works.slice(4, 9)).toEqual([2000, 2000, 2000, 2000, 2000]);
    expect(works[10]).toBe(4000);
    expect(puzzleOf(await modes.challenge(site, ORIGIN, '203.0.113.9')).work).toBe(1000);
    // The window slides on: two windows later the client is quiet again.
    clock.advance(2 * POLICY.windowMs);
    expect(puzzleOf(await modes.challenge(site, ORIGIN, CLIENT)).work).toBe(1000);
  });

  it('pow: never shows an image, whatever the client did', async () => {
    await inMode('pow');
    for (let i = 0; i < 12; i++) expect('stepUp' in (await modes.challenge(site, ORIGIN, CLIENT))).toBe(false);
  });

  it('pow+image: asks a quiet client for the puzzle alone', async () => {
    await inMode('pow+image');
    const challenge = await modes.challenge(site, ORIGIN, CLIENT);
    expect(challenge.mode).toBe('pow+image');
    expect('stepUp' in challenge).toBe(false);
    const outcome = await modes.prove(site, ORIGIN, CLIENT, await solved(challenge), undefined);
    expect(outcome).toMatchObject({ solved: true, mode: 'pow' });
  });

  it('pow+image: adds an image after failed answers, and needs both right', async () => {
    await inMode('pow+image');
    for (let i = 0; i < 2; i++) {
      const payload = await solved(await modes.challenge(site, ORIGIN, CLIENT));
      await modes.prove(site, ORIGIN, CLIENT, { ...payload, solution: { ...payload.solution, derivedKey: '00'.repeat(32) } }, undefined);
    }
    const stepped = await modes.challenge(site, ORIGIN, CLIENT);
    expect(stepped).toMatchObject({ mode: 'pow+image', stepUp: { reason: 'failures' } });
    const payload = await solved(stepped);
    clock.advance(5_000);
    expect(await modes.prove(site, ORIGIN, CLIENT, payload, 'WRONG1')).toMatchObject({ solved: false, reason: 'wrong_answer' });
    // The puzzle went with the wrong answer; so did the image.
    expect(await modes.prove(site, ORIGIN, CLIENT, payload, ANSWER)).toEqual({ solved: false, reason: 'challenge_expired' });

    const again = await modes.challenge(site, ORIGIN, CLIENT);
    clock.advance(5_000);
    const outcome = await modes.prove(site, ORIGIN, CLIENT, await solved(again), ANSWER.toLowerCase());
    expect(outcome).toMatchObject({ solved: true, mode: 'pow+image', answered: { difficulty: 'normal', answeredAfterMs: 5_000 } });
    if (outcome.solved) expect(await verify(outcome.token)).toMatchObject({ success: true, mode: 'pow+image' });
  });

  it('pow+image: adds an image for volume', async () => {
    await inMode('pow+image');
    const reasons: (string | undefined)[] = [];
    for (let i = 0; i < 8; i++) {
      const challenge = await modes.challenge(site, ORIGIN, CLIENT);
      reasons.push(challenge.mode === 'image' ? 'image' : challenge.stepUp?.reason);
    }
    expect(reasons).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined, 'volume']);
  });

  it('pow+image: keeps showing images to a client that answers them implausibly fast', async () => {
    await inMode('pow+image');
    const volumeFirst = modesWith({ ...POLICY, stepUp: { challenges: 2, failures: 0, fastAnswers: 1 } });
    await volumeFirst.challenge(site, ORIGIN, CLIENT);
    const stepped = await volumeFirst.challenge(site, ORIGIN, CLIENT);
    expect(stepped).toMatchObject({ stepUp: { reason: 'volume' } });
    clock.advance(300); // answered 0.3 s after it was shown
    expect(await volumeFirst.prove(site, ORIGIN, CLIENT, await solved(stepped), ANSWER)).toMatchObject({ solved: true });
    const speedOnly = modesWith({ ...POLICY, stepUp: { challenges: 0, failures: 0, fastAnswers: 1 } });
    expect(await speedOnly.challenge(site, ORIGIN, CLIENT)).toMatchObject({ stepUp: { reason: 'fast_answers' } });
  });

  it('never lets /solve redeem a step-up image without its puzzle', async () => {
    await inMode('pow+image');
    for (let i = 0; i < 7; i++) await modes.challenge(site, ORIGIN, CLIENT);
    const stepped = await modes.challenge(site, ORIGIN, CLIENT);
    if (stepped.mode === 'image' || !stepped.stepUp) throw new Error('expected a step-up');
    expect(await challenges.solve(site, ORIGIN, stepped.stepUp.image.id, ANSWER)).toMatchObject({ solved: false, reason: 'wrong_answer' });
  });
});
