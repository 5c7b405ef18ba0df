import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call } from '../../tooling/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/cluster.js';
import { testConfig } from '../support/test-config.js';

/** Opens a raw connection and resolves once it is established; `closed` resolves when the server drops it. */
async function openSocket(url: URL): Promise<{ socket: Socket; closed: Promise<number> }> {
  const opened = performance.now();
  const socket = connect(Number(url.port), url.hostname);
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - opened)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed };
}

describe('slow and idle connections cannot tie an API process up', () => {
  let cluster: InProcessCluster;
  let url: URL;

  beforeAll(async () => {
    cluster = await startInProcessCluster(
      testConfig(inject('redisUrl'), { HTTP_MAX_CONNECTIONS: '32', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' }),
      { withWorker: false },
    );
    url = new URL(cluster.api.url);
  });
  afterAll(() => cluster.stop());

  it('closes connections that drip their headers, and keeps serving', async () => {
    const slow = await Promise.all(Array.from({ length: 24 }, () => openSocket(url)));
    const drips = slow.map(({ socket }) => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      return setInterval(() => socket.write('X-Slow: 1\r\n'), 300);
    });
    try {
      const lifetimes = await Promise.all(slow.map(({ closed }) => closed));
      // headers timeout (1 s) plus one sweep of Node's connection checker (1 s), with slack for a busy machine
      expect(Math.max(...lifetimes)).toBeLessThan(6000);
    } finally {
      drips.forEach(clearInterval);
    }
    expect((await call(`${cluster.api.url}/healthz`)).status).toBe(200);
  });

  it('closes connections that drip their body', async () => {
    const { socket, closed } = await openSocket(url);
    socket.write('POST /2.0/captcha/testCaptcha HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const drip = setInterval(() => socket.write(' '), 200);
    try {
      expect(await closed).toBeLessThan(8000);
    } finally {
      clearInterval(drip);
    }
  });

  it('refuses connections past the cap at once, and serves again when they go', async () => {
    const idle = await Promise.all(Array.from({ length: 32 }, () => openSocket(url)));
    const extra = await Promise.all(Array.from({ length: 8 }, () => openSocket(url)));
    const outcome = await Promise.race([
      Promise.all(extra.map(({ closed }) => closed)).then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 500)),
    ]);
    expect(outcome).toBe('closed');
    for (const { socket } of idle) socket.destroy();
    await Promise.all(idle.map(({ closed }) => closed));
    expect((await call(`${cluster.api.url}/healthz`)).status).toBe(200);
  });
});
