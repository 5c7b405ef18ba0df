// Runs a built script, building first only when dist/ does not have it yet, so
// that `npm run admin -- …` answers in well under a second instead of
// recompiling on every call. After changing the sources, run `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/run-built.mjs dist/<script>.js [args…]');
  process.exit(2);
}
if (!existsSync(script)) {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
