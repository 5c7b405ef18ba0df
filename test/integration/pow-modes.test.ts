import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApi, type RunningApi } from '../../services/api/main.js';
import type { PuzzleChallenge } from '../../shared/domain/pow/puzzle.js';
import { call } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { encodeProof, solveForTest } from '../../tooling/pow.js';
import { testConfig } from '../support/test-config.js';
import { createSite, SITE_ORIGIN, siteverify, solveWidget, withAdmin } from '../../tooling/token-api.js';

interface PuzzleReply {
  mode: 'pow' | 'pow+image';
  puzzle: PuzzleChallenge;
  work: number;
  expiresAt: string;
  challenge?: string;
  image?: string;
}

describe('proof-of-work modes through the widget endpoints and siteverify', () => {
  let cluster: InProcessCluster;
  let secondPod: RunningApi;
  let shortLived: RunningApi;
  let base: string;
  let site: { sitekey: string; apiKey: string; accountId: string };

  beforeAll(async () => {
    const env = { TRUST_PROXY: 'true', POW_WORK: '1000', POW_VOLUME_STEP: '4', STEP_UP_CHALLENGES: '0', STEP_UP_FAILURES: '2' };
    cluster = await startInProcessCluster(testConfig(inject('redisUrl'), env));
    const { keyPrefix } = cluster.config;
    secondPod = await startApi(testConfig(inject('redisUrl'), { ...env, KEY_PREFIX: keyPrefix }));
    shortLived = await startApi(testConfig(inject('redisUrl'), { ...env, KEY_PREFIX: keyPrefix, CAPTCHA_TTL_SECONDS: '1' }));
    base = cluster.api.url;
    site = await createSite(cluster.config, [SITE_ORIGIN, 'https://www.shop.example']);
    await cluster.waitForFullPool();
  });
  afterAll(async () => {
    await secondPod.stop();
    await shortLived.stop();
    await cluster.stop();
  });

  let nextClient = 1;
  /** Every test plays its own client (TRUST_PROXY is on), so their counters never mix. */
  const newClient = (): string => `198.51.100.${nextClient++}`;
  const setMode = (mode: string, sitekey = site.sitekey) => withAdmin(cluster.config, (admin) => admin.setMode(sitekey, mode));
  const challenge = async (client: string, { origin = SITE_ORIGIN, url = base, sitekey = site.sitekey } = {}) =>
    call(`${url}/api/v2/widget/${sitekey}/challenge`, { method: 'POST', headers: { Origin: origin, 'X-Forwarded-For': client } });
  const puzzleFor = async (client: string, options: { origin?: string; url?: string; sitekey?: string } = {}): Promise<PuzzleReply> => {
    const reply = await challenge(client, options);
    expect(reply.status).toBe(200);
    return reply.json as PuzzleReply;
  };
  const prove = (client: string, fields: Record<string, string>, { origin = SITE_ORIGIN, url = base } = {}) =>
    call(`${url}/api/v2/widget/${site.sitekey}/proof`, {
      method: 'POST',
      headers: { Origin: origin, 'X-Forwarded-For': client },
      body: new URLSearchParams(fields),
    });
  const solved = async (reply: PuzzleReply): Promise<string> => encodeProof(await solveForTest(reply.puzzle, reply.work));
  const imageIdOf = (reply: PuzzleReply): string => String(reply.puzzle.parameters.data?.image ?? '');

  describe('pow', () => {
    beforeAll(() => setMode('pow'));

    it('gives a puzzle and no image; its proof is a token siteverify accepts as pow', async () => {
      const client = newClient();
      const reply = await puzzleFor(client);
      expect(reply).toMatchObject({ mode: 'pow', work: 1000 });
      expect(reply.image).toBeUndefined();
      const proved = await prove(client, { puzzle: await solved(reply) });
      expect(proved.headers.get('access-control-allow-origin')).toBe(SITE_ORIGIN);
      const body = proved.json as { solved: boolean; response: string };
      expect(body.solved).toBe(true);
      const verified = await siteverify(base, site.apiKey, { response: body.response, sitekey: site.sitekey });
      expect(verified.json).toMatchObject({ success: true, data: { challenge: { origin: SITE_ORIGIN }, mode: 'pow' } });
    });

    it('redeems a puzzle once, however many pods it is sent to at the same moment', async () => {
      const client = newClient();
      const puzzle = await solved(await puzzleFor(client));
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => prove(client, { puzzle }, { url: i % 2 === 0 ? base : secondPod.url })),
      );
      const bodies = replies.map((reply) => reply.json as { solved: boolean; error?: { code: string } });
      expect(bodies.filter((body) => body.solved)).toHaveLength(1);
      expect(bodies.filter((body) => !body.solved).every((body) => body.error?.code === 'challenge_expired')).toBe(true);
    });

    it('refuses a puzzle of another site or another page', async () => {
      const client = newClient();
      const other = await createSite(cluster.config);
      await setMode('pow', other.sitekey);
      const foreign = await solved(await puzzleFor(client, { sitekey: other.sitekey }));
      expect((await prove(client, { puzzle: foreign })).json).toMatchObject({ solved: false, error: { code: 'puzzle_invalid' } });
      const otherPage = await solved(await puzzleFor(client));
      expect((await prove(client, { puzzle: otherPage }, { origin: 'https://www.shop.example' })).json).toMatchObject({
        solved: false,
        error: { code: 'puzzle_invalid' },
      });
    });

    it('refuses a forged or unsolved puzzle', async () => {
      const client = newClient();
      const reply = await puzzleFor(client);
      const payload = await solveForTest(reply.puzzle, reply.work);
      const forged = { ...payload, challenge: { ...payload.challenge, parameters: { ...payload.challenge.parameters, data: { ...payload.challenge.parameters.data, work: 1 } } } };
      expect((await prove(client, { puzzle: encodeProof(forged) })).json).toMatchObject({ solved: false, error: { code: 'puzzle_invalid' } });
      const unsolved = { ...payload, solution: { counter: 0, derivedKey: '00'.repeat(32) } };
      expect((await prove(client, { puzzle: encodeProof(unsolved) })).json).toMatchObject({ solved: false, error: { code: 'puzzle_invalid' } });
      // Neither used the puzzle up.
      expect((await prove(client, { puzzle: encodeProof(payload) })).json).toMatchObject({ solved: true });
    });

    it('refuses an expired puzzle', async () => {
      const client = newClient();
      const reply = await puzzleFor(client, { url: shortLived.url });
      const puzzle = await solved(reply);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(reply.expiresAt) - Date.now()) + 50));
      expect((await prove(client, { puzzle })).json).toMatchObject({ solved: false, error: { code: 'challenge_expired' } });
    });

    it('answers malformed proofs with a 400, never a 500', async () => {
      const client = newClient();
      const reply = await puzzleFor(client);
      const payload = await solveForTest(reply.puzzle, reply.work);
      const extra = { ...payload, challenge: { ...payload.challenge, parameters: { ...payload.challenge.parameters, extra: 1 } } };
      const malformed: Record<string, string>[] = [
        {},
        { puzzle: '' },
        { puzzle: 'not base64!' },
        { puzzle: Buffer.from('not json').toString('base64') },
        { puzzle: Buffer.from('{"challenge":1}').toString('base64') },
        { puzzle: encodeProof(extra) },
        { puzzle: 'A'.repeat(5000) },
        { puzzle: encodeProof(payload), answer: 'x'.repeat(100) },
      ];
      for (const fields of malformed) {
        const result = await prove(client, fields);
        expect(result.status, JSON.stringify(fields).slice(0, 80)).toBe(400);
        expect(result.json).toMatchObject({ error: { code: 'bad_request' } });
      }
    });

    it('does not let an image alone make a token', async () => {
      const result = await call(`${base}/api/v2/widget/${site.sitekey}/solve`, {
        method: 'POST',
        headers: { Origin: SITE_ORIGIN },
        body: new URLSearchParams({ challenge: 'a'.repeat(40), answer: 'ABCDEF' }),
      });
      expect(result).toMatchObject({ status: 409, json: { error: { code: 'puzzle_required' } } });
    });

    it('doubles one client\'s work with its volume, counting an IPv6 /64 as one client', async () => {
      const works: number[] = [];
      for (let i = 0; i < 9; i++) works.push((await puzzleFor(`2001:db8:7:1::${(i + 1).toString(16)}`)).work);
      expect(works).toEqual([1000, 1000, 1000, 2000, 2000, 2000, 2000, 4000, 4000]);
      expect((await puzzleFor('2001:db8:7:2::1')).work).toBe(1000);
    });
  });

  describe('pow+image', () => {
    beforeAll(() => setMode('pow+image'));

    it('asks a quiet client for the puzzle alone', async () => {
      const client = newClient();
      const reply = await puzzleFor(client);
      expect(reply.mode).toBe('pow+image');
      expect(reply.image).toBeUndefined();
      const body = (await prove(client, { puzzle: await solved(reply) })).json as { response: string };
      expect((await siteverify(base, site.apiKey, { response: body.response })).json).toMatchObject({ success: true, data: { mode: 'pow' } });
    });

    it('shows an image after failed answers, and needs it right', async () => {
      const client = newClient();
      for (let i = 0; i < 2; i++) {
        const reply = await puzzleFor(client);
        await prove(client, { puzzle: encodeProof({ ...(await solveForTest(reply.puzzle, reply.work)), solution: { counter: 0, derivedKey: '00'.repeat(32) } }) });
      }
      const stepped = await puzzleFor(client);
      expect(stepped.image).toMatch(/^data:image\/png;base64,/);
      expect(stepped.challenge).toBe(imageIdOf(stepped));
      const wrong = await prove(client, { puzzle: await solved(stepped), answer: 'WRONG1' });
      expect(wrong.json).toMatchObject({ solved: false, error: { code: 'wrong_answer' } });

      // A proof without the image's answer is a wrong answer.
      const again = await puzzleFor(client);
      expect((await prove(client, { puzzle: await solved(again) })).json).toMatchObject({ solved: false, error: { code: 'wrong_answer' } });
      const third = await puzzleFor(client);
      const right = await prove(client, { puzzle: await solved(third), answer: await cluster.answers.answerOf(imageIdOf(third)) });
      const body = right.json as { solved: boolean; response: string };
      expect(body.solved).toBe(true);
      expect((await siteverify(base, site.apiKey, { response: body.response })).json).toMatchObject({ success: true, data: { mode: 'pow+image' } });
    });
  });

  describe('image', () => {
    beforeAll(() => setMode('image'));

    it('keeps today\'s challenge and says so in siteverify', async () => {
      const reply = await challenge(newClient());
      expect(reply.json).toMatchObject({ mode: 'image', challenge: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown });
      const response = await solveWidget(base, cluster.answers, site.sitekey);
      expect((await siteverify(base, site.apiKey, { response })).json).toMatchObject({ success: true, data: { mode: 'image' } });
    });

    it('refuses puzzles once the site went back to images', async () => {
      await setMode('pow');
      const client = newClient();
      const puzzle = await solved(await puzzleFor(client));
      await setMode('image');
      expect((await prove(client, { puzzle })).json).toMatchObject({ solved: false, error: { code: 'challenge_expired' } });
    });
  });
});
