// Bundles the browser scripts into dist/widget/. The proof-of-work worker is
// bundled first and inlined into widget.js as a string (POW_WORKER_SOURCE):
// the widget runs on other sites' pages, where it can only start a worker
// from a Blob URL, never from a script of its own origin.
import { build } from 'esbuild';

const common = { bundle: true, minify: true, format: 'iife', target: 'es2019', logLevel: 'warning' };

const worker = await build({ ...common, entryPoints: ['services/api/widget/pow-worker.ts'], write: false });
const [workerScript] = worker.outputFiles;
if (!workerScript) throw new Error('esbuild produced no worker script');

await build({
  ...common,
  entryPoints: ['services/api/widget/widget.ts', 'services/api/widget/study.ts'],
  outdir: 'dist/widget',
  define: { POW_WORKER_SOURCE: JSON.stringify(workerScript.text) },
});
