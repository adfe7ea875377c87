/**
 * Fills Node's compile cache (the folder `NODE_COMPILE_CACHE` names) with every module the operator
 * and its compile thread load, so that a process started later with the same cache finds each
 * TypeScript file already stripped and compiled: neither thread then loads Node's type stripper
 * (amaro, a WebAssembly module of ~15 MB resident per thread) — ~30 MB less RSS, measured with
 * bench/operator.bench.ts. The image runs this at build time (Dockerfile); entries are keyed by file
 * content, so a stale entry is never used. `NODE_COMPILE_CACHE=<dir> node operator/warm-compile-cache.ts`
 */
import module from 'node:module';
import { loadLessOfClientNode } from './k8s/slim-client.ts';

if (module.getCompileCacheDir() === undefined) {
  process.stderr.write('warm-compile-cache: NODE_COMPILE_CACHE is not set; nothing to fill\n');
  process.exit(2);
}
// Imported, not run: the CLI path the image's entry point (bin/syncspec.js operator) takes, the
// operator (main.ts starts it only as the entry point) and the compile thread's entry (it only answers a
// parent thread). One file missed here would load the stripper for itself.
// The modules the operator loads, as it loads them (client-node without its generated APIs).
loadLessOfClientNode();
await import('../cli/main.ts');
await import('./cli/operator.ts');
await import('./main.ts');
await import('./syncspec/compile-worker.ts');
await import('./source/validate.ts');
module.flushCompileCache();
