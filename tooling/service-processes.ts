import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { projectRoot } from '../shared/runtime/project-root.js';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

const root = projectRoot();

export type ServiceName = 'api' | 'worker';

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** What the process printed so far (empty when its output goes to this process's own). */
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServiceOptions {
  readonly nodeArgs?: readonly string[];
  /** Pass the service's output through to this process's instead of collecting it. */
  readonly echo?: boolean;
}

/** Runs a built service (dist/services/<name>/main.js) as its own process, with exactly the environment given. */
export function startService(name: ServiceName, env: NodeJS.ProcessEnv, options: ServiceOptions = {}): ServiceProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), `dist/services/${name}/main.js`], {
    cwd: root,
    env,
    stdio: options.echo ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

/**
 * Settings for services under measurement: operations ports anywhere, no
 * drain on shutdown and no per-client limits, since every request of a test or
 * a benchmark comes from one loopback client.
 */
export const UNDER_MEASUREMENT: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'info',
  WORKER_PORT: '0',
  API_OPS_PORT: '0',
  SHUTDOWN_DRAIN_MS: '0',
  RATE_LIMIT_ISSUE_PER_MINUTE: '0',
  RATE_LIMIT_SOLVE_PER_MINUTE: '0',
  RATE_LIMIT_SITEVERIFY_PER_MINUTE: '0',
  RATE_LIMIT_LIVE_CAPTCHAS_PER_CLIENT: '0',
};

/** A built service for a test or a benchmark, collecting its output for assertions. */
export function spawnService(name: ServiceName, env: Record<string, string>, nodeArgs: readonly string[] = []): ServiceProcess {
  return startService(name, { ...process.env, ...UNDER_MEASUREMENT, ...env }, { nodeArgs });
}

export type ApiProcess = ServiceProcess & { url: string; opsUrl: string };

/** An API process on env.PORT (a free port when unset), its operations port on a free port, resolved once /healthz answers. */
export async function spawnApi(env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<ApiProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const opsPort = await freePort();
  const api = spawnService('api', { ...env, PORT: String(port), API_OPS_PORT: String(opsPort), HOST: '127.0.0.1' }, nodeArgs);
  const url = `http://127.0.0.1:${port}`;
  const opsUrl = `http://127.0.0.1:${opsPort}`;
  let exitedEarly: ((reason: Error) => void) | undefined;
  const exited = new Promise<never>((_, reject) => (exitedEarly = reject));
  exited.catch(() => undefined);
  const onExit = (code: number | null) => exitedEarly?.(new Error(`api exited with ${code ?? 'a signal'}`));
  api.child.once('exit', onExit);
  await Promise.race([waitFor(async () => (await fetch(`${url}/healthz`)).ok, 30_000, `api on port ${port}`), exited])
    .finally(() => api.child.off('exit', onExit))
    .catch((error: unknown) => {
      throw new Error(`${String(error)}\n${api.output()}`);
    });
  return { ...api, url, opsUrl };
}
