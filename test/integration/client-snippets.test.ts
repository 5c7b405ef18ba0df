import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';
import { createSite, solveWidget } from '../../tooling/token-api.js';

const run = promisify(execFile);

/** The code block of docs/clients.md marked `snippet=<name>`: the test runs exactly what the docs show. */
function snippet(name: string): string {
  const docs = readFileSync(new URL('../../docs/clients.md', import.meta.url), 'utf8');
  const block = new RegExp('```\\w+ snippet=' + name + '\\n([\\s\\S]*?)```').exec(docs)?.[1];
  if (!block) throw new Error(`docs/clients.md has no snippet=${name} block`);
  return block;
}

describe.each([
  ['node', 'captcha-client.mjs', process.execPath],
  ['python', 'captcha_client.py', 'python3'],
])('the %s client snippet in docs/clients.md, against the running service', (name, file, interpreter) => {
  let cluster: InProcessCluster;
  let site: { sitekey: string; apiKey: string };
  let folder: string;
  let client: (...args: string[]) => Promise<string>;

  beforeAll(async () => {
    cluster = await startInProcessCluster(testConfig(inject('redisUrl')));
    site = await createSite(cluster.config);
    await cluster.waitForFullPool();
    folder = mkdtempSync(join(tmpdir(), 'snippet-'));
    const path = join(folder, file);
    writeFileSync(path, snippet(name));
    const env = { ...process.env, CAPTCHA_URL: cluster.api.url, CAPTCHA_API_KEY: site.apiKey };
    client = async (...args) => (await run(interpreter, [path, ...args], { env, timeout: 20_000 })).stdout.trim();
  });
  afterAll(async () => {
    await cluster.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('issues a captcha and checks a right answer once, then refuses it', async () => {
    const { hash, imageUrl } = JSON.parse(await client('issue')) as { hash: string; imageUrl: string };
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
    expect(imageUrl).toBe(`${cluster.api.url}/3.0/captcha/getImage/hash/${hash}`);
    const answer = await cluster.answers.answerOf(hash);
    expect(await client('check', hash, answer)).toBe('accepted');
    expect(await client('check', hash, answer)).toBe('rejected');
  });

  it('rejects a wrong answer', async () => {
    const { hash } = JSON.parse(await client('issue')) as { hash: string };
    expect(await client('check', hash, 'WRONG1')).toBe('rejected');
  });

  it('verifies a widget token once, then reports it as a duplicate; rejects a forged one', async () => {
    const token = await solveWidget(cluster.api.url, cluster.answers, site.sitekey);
    expect(await client('verify', token)).toBe('accepted');
    expect(await client('verify', token)).toBe('rejected response_duplicate');
    expect(await client('verify', 'v1.forged.token')).toBe('rejected response_invalid');
  });
});
