import type { Config } from '../../shared/runtime/config.js';
import { startApi, type RunningApi } from '../../services/api/main.js';
import { startWorker, type RunningWorker } from '../../services/worker/main.js';
import { CaptchaAnswers } from '../../tooling/captcha-answers.js';
import { waitFor } from '../../tooling/wait-for.js';
import { skipResponseChecks } from './unchecked-origins.js';

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
  // The operations ports serve /metrics, which the public description rightly lacks.
  skipResponseChecks(api.opsUrl, worker?.opsUrl);
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
