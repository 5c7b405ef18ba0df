import { FriendlyCaptchaClient } from '@friendlycaptcha/server-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';
import { proveWidget } from '../../tooling/pow.js';
import { createSite, solveWidget, withAdmin } from '../../tooling/token-api.js';

describe('the official @friendlycaptcha/server-sdk, pointed at this service with apiEndpoint', () => {
  let cluster: InProcessCluster;
  let site: { sitekey: string; apiKey: string };
  let client: FriendlyCaptchaClient;

  beforeAll(async () => {
    // Cheap puzzles, and an image with every pow+image puzzle, so both proofs are exercised.
    cluster = await startInProcessCluster(testConfig(inject('redisUrl'), { TOKEN_TTL_SECONDS: '2', POW_WORK: '1000', STEP_UP_CHALLENGES: '1' }));
    site = await createSite(cluster.config);
    client = new FriendlyCaptchaClient({ apiKey: site.apiKey, sitekey: site.sitekey, apiEndpoint: cluster.api.url });
    await cluster.waitForFullPool();
  });
  afterAll(() => cluster.stop());

  const token = () => solveWidget(cluster.api.url, cluster.answers, site.sitekey);

  it('accepts a fresh token and rejects it when reused', async () => {
    const response = await token();
    const first = await client.verifyCaptchaResponse(response);
    expect(first.wasAbleToVerify()).toBe(true);
    expect(first.shouldAccept()).toBe(true);
    const second = await client.verifyCaptchaResponse(response);
    expect(second.wasAbleToVerify()).toBe(true);
    expect(second.shouldAccept()).toBe(false);
    expect(second.getResponseError()?.error_code).toBe('response_duplicate');
  });

  it.each(['pow', 'pow+image'] as const)('accepts a %s token and rejects it when reused', async (mode) => {
    const powSite = await createSite(cluster.config);
    await withAdmin(cluster.config, (admin) => admin.setMode(powSite.sitekey, mode));
    const powClient = new FriendlyCaptchaClient({ apiKey: powSite.apiKey, sitekey: powSite.sitekey, apiEndpoint: cluster.api.url });
    const response = await proveWidget(cluster.api.url, cluster.answers, powSite.sitekey);
    const first = await powClient.verifyCaptchaResponse(response);
    expect(first.wasAbleToVerify()).toBe(true);
    expect(first.shouldAccept()).toBe(true);
    expect(first.getResponse()).toMatchObject({ success: true, data: { mode } });
    const second = await powClient.verifyCaptchaResponse(response);
    expect(second.shouldAccept()).toBe(false);
    expect(second.getResponseError()?.error_code).toBe('response_duplicate');
  });

  it('rejects a forged token', async () => {
    const genuine = await token();
    const forged = `${genuine.slice(0, -4)}AAAA`;
    const result = await client.verifyCaptchaResponse(forged);
    expect(result.wasAbleToVerify()).toBe(true);
    expect(result.shouldAccept()).toBe(false);
    expect(result.getResponseError()?.error_code).toBe('response_invalid');
  });

  it('rejects an expired token', async () => {
    const response = await token();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const result = await client.verifyCaptchaResponse(response);
    expect(result.shouldAccept()).toBe(false);
    expect(result.getResponseError()?.error_code).toBe('response_timeout');
  });

  it('reports a bad API key as unable to verify', async () => {
    const badClient = new FriendlyCaptchaClient({ apiKey: 'cck_wrong', sitekey: site.sitekey, apiEndpoint: cluster.api.url });
    const result = await badClient.verifyCaptchaResponse(await token());
    expect(result.wasAbleToVerify()).toBe(false);
    expect(result.status).toBe(401);
  });
});
