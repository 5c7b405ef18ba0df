// Drops optional platform packages that the lock file names but could not
// resolve (the registry this project installs from lacks some prebuilt
// binaries, e.g. msgpackr-extract for macOS and Windows). npm ci refuses a lock
// that names packages it does not contain; these ones are optional speedups.
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const packages = lock.packages;
for (const [path, meta] of Object.entries(packages)) {
  for (const dep of Object.keys(meta.optionalDependencies ?? {})) {
    if (!(`node_modules/${dep}` in packages) && !(`${path}/node_modules/${dep}` in packages)) {
      delete meta.optionalDependencies[dep];
      console.log(`pruned ${dep} (optional, from ${path})`);
    }
  }
}
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
