import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connectRedis } from '../shared/adapters/redis/client.js';
import { openRedisConnection, standaloneRedis, type RedisSettings } from '../shared/adapters/redis/connection.js';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Whether Redis answers in the given mode, through the product's own connection factory. */
export async function redisAnswers(settings: RedisSettings, timeoutMs = 2000): Promise<boolean> {
  const client = openRedisConnection(settings, { failFast: true });
  client.on('error', () => undefined);
  try {
    await connectRedis(client, timeoutMs);
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A private redis-server on a free loopback port, without persistence, that its owner can stop and start again. */
export async function startRedisServer(extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const password = extraArgs.includes('--requirepass') ? (extraArgs[extraArgs.indexOf('--requirepass') + 1] ?? '') : '';
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
        stdio: 'ignore',
      });
      await waitFor(() => redisAnswers(standaloneRedis(url, password), 1000), 10_000, `redis-server on port ${port}`);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      running.kill('SIGKILL');
      await once(running, 'exit');
    },
  };
  await server.start();
  return server;
}
