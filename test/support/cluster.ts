import type { Config } from '../../shared/config.js';
import { startApi, type RunningApi } from '../../services/api/main.js';
import { startWorker, type RunningWorker } from '../../services/worker/main.js';
import { CaptchaAnswers } from './captcha-answers.js';
import { waitFor } from './redis-server.js';

/** An API and (optionally) a worker in this process, on one test's own key prefix. */
export interface InProcessCluster {
  readonly api: RunningApi;
  readonly worker: RunningWorker | undefined;
  readonly answers: CaptchaAnswers;
  readonly config: Config;
  waitForFullPool(): Promise<void>;
  stop(): Promise<void>;
}

export async function startInProcessCluster(config: Config, { withWorker = true } = {}): Promise<InProcessCluster> {
  const worker = withWorker ? await startWorker(config) : undefined;
  const api = await startApi(config);
  const answers = new CaptchaAnswers(config, config.keyPrefix);
  const shardTarget = Math.ceil(config.poolTargetSize / config.poolShards);
  return {
    api,
    worker,
    answers,
    config,
    waitForFullPool: () =>
      waitFor(async () => (await answers.poolDepth(config.poolShards)) >= shardTarget * config.poolShards, 20_000, 'a full pool'),
    async stop() {
      await api.stop();
      await worker?.stop();
      await answers.close();
    },
  };
}

/** GET or POST against the API, returning status, headers and parsed JSON (or raw bytes). */
export async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; json: unknown; bytes: Buffer }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const bytes = Buffer.from(await response.arrayBuffer());
  const isJson = response.headers.get('content-type')?.includes('application/json') ?? false;
  return { status: response.status, headers: response.headers, json: isJson ? JSON.parse(bytes.toString('utf8')) : undefined, bytes };
}

export interface IssuedByApi {
  readonly id: string;
  readonly imageUrl: string;
  readonly date?: string;
}

export async function issueCaptcha(baseUrl: string, version: '2.0' | '3.0' = '3.0'): Promise<IssuedByApi> {
  const { status, json } = await call(`${baseUrl}/${version}/captcha`);
  if (status !== 200) throw new Error(`issue failed with ${status}: ${JSON.stringify(json)}`);
  const fields = (json as { response: { captchaResponse: { imageHash: string; imageUrl: string; date?: string } } }).response
    .captchaResponse;
  return { id: fields.imageHash, imageUrl: fields.imageUrl, ...(fields.date ? { date: fields.date } : {}) };
}
