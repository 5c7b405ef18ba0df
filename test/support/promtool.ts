import { spawnSync } from 'node:child_process';

/** Debian's promtool (package prometheus), which CI installs; undefined elsewhere when it is missing. */
export function promtoolPath(): string | undefined {
  const found = spawnSync('promtool', ['--version'], { stdio: 'ignore' });
  if (found.status === 0) return 'promtool';
  if (process.env.CI) throw new Error('promtool is required in CI (apt-get install prometheus)');
  return undefined;
}

export function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { input, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
