import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export interface Nginx {
  readonly url: string;
  /** Marks upstreams down (or up again) and reloads gracefully, as an ingress controller does when endpoints change. */
  setDown(ports: number[]): Promise<void>;
  /** nginx's error log so far (upstream failures land here). */
  errorLog(): string;
  stop(): Promise<void>;
}

export function nginxAvailable(): boolean {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0;
}

/**
 * A real nginx on loopback balancing over the given upstream ports, as a
 * production load balancer would: keep-alive upstream connections, retries of
 * a request that could not reach one upstream on the next, and X-Forwarded-*.
 */
export async function startNginx(upstreamPorts: number[]): Promise<Nginx> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'captcha-nginx-'));
  // Workers run unprivileged: let them write their temp files (large bodies) here.
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { mode: 0o777 });
  chmodSync(dir, 0o755);
  const config = (down: number[]): string => `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream captcha_api {
${upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s${down.includes(p) ? ' down' : ''};`).join('\n')}
    keepalive 32;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    # Client connections end after each request, so a reload (an endpoint change)
    # applies to the next request at once, as in ingress controllers that update
    # endpoints without reloading. Upstream connections stay keep-alive.
    keepalive_timeout 0;
    location / {
      proxy_pass http://captcha_api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config([]));
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).status < 500, 10_000, 'nginx');
  return {
    url,
    async setDown(ports) {
      writeFileSync(join(dir, 'nginx.conf'), config(ports));
      const reload = spawnSync('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-s', 'reload']);
      if (reload.status !== 0) throw new Error(`nginx reload failed: ${reload.stderr.toString()}`);
      // Old workers finish their requests; new ones pick up the config within a moment.
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
    errorLog: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT');
      await once(child, 'exit');
    },
  };
}
